package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/awsclients/chain"
	"github.com/leadflow/leadflow/shared/calibrate"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
)

// readLeadsFile reads stored leads from a JSON file — a list of leads, or
// an object with a "leads" list as the local stack's GET /_local/leads
// answers — and sets the data's name and digest.
func readLeadsFile(path string, opts *calibrate.Options) (*calibrate.Dataset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	leads, err := parseLeads(data)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	opts.DataName = filepath.Base(path)
	opts.DataDigest = hex.EncodeToString(sum[:6])
	return calibrate.DatasetFromLeads(path, leads), nil
}

// parseLeads reads [{…lead…}, …] or {"leads": [{…lead…}, …], …}.
func parseLeads(data []byte) ([]lead.Lead, error) {
	const shapes = `expected a JSON list of leads or an object with a "leads" list`
	data = bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))
	if len(data) == 0 {
		return nil, fmt.Errorf("empty file: %s", shapes)
	}
	var leads []lead.Lead
	switch data[0] {
	case '[':
		if err := json.Unmarshal(data, &leads); err != nil {
			return nil, jsonProblem(data, err)
		}
	case '{':
		var wrapped struct {
			Leads *[]lead.Lead `json:"leads"`
		}
		if err := json.Unmarshal(data, &wrapped); err != nil {
			return nil, jsonProblem(data, err)
		}
		if wrapped.Leads == nil {
			return nil, fmt.Errorf(`no "leads" in the object: %s`, shapes)
		}
		leads = *wrapped.Leads
	default:
		return nil, fmt.Errorf("not JSON: %s", shapes)
	}
	return leads, nil
}

// jsonProblem adds the line of a syntax or type error.
func jsonProblem(data []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	return fmt.Errorf("line %d: %w", bytes.Count(data[:off], []byte("\n"))+1, err)
}

// scanTable reads every stored lead of a DynamoDB table with clients from
// the environment: AWS_REGION, and DYNAMODB_ENDPOINT for DynamoDB Local.
func scanTable(table string, opts *calibrate.Options) (*calibrate.Dataset, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := config.AWS{Region: os.Getenv("AWS_REGION"), DynamoDBEndpoint: os.Getenv("DYNAMODB_ENDPOINT")}
	if cfg.Region == "" && cfg.DynamoDBEndpoint != "" {
		cfg.Region = "us-east-1" // DynamoDB Local takes any
	}
	base, err := chain.Load(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "calibrate: reading the leads of DynamoDB table %s\n", table)
	}
	var leads []lead.Lead
	err = store.New(awsclients.NewDynamoDB(base), table).ScanLeads(ctx, func(l lead.Lead) error {
		leads = append(leads, l)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("calibrate: table %s: %w", table, err)
	}
	name := "DynamoDB table " + table
	opts.DataName = name
	return calibrate.DatasetFromLeads(name, leads), nil
}
