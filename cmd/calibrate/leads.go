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

// jsonProblem adds the line of a syntax or type error; an error without
// an offset (a value a field's own decoder refuses, such as a time) gets
// the line, number and id of the lead that holds it.
func jsonProblem(data []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return leadProblem(data, err)
	}
	return fmt.Errorf("line %d: %w", lineAt(data, off), err)
}

func lineAt(data []byte, off int64) int { return bytes.Count(data[:off], []byte("\n")) + 1 }

// leadProblem finds the lead whose decoding fails with err, reading the
// list one lead at a time, and names its first line, its place in the
// list and its id; err as it is when no lead fails on its own.
func leadProblem(data []byte, err error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, terr := dec.Token(); terr != nil {
		return err
	} else if tok == json.Delim('{') {
		for {
			key, kerr := dec.Token()
			if kerr != nil || key == json.Delim('}') {
				return err
			}
			if key == "leads" {
				break
			}
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return err
			}
		}
		if tok, terr := dec.Token(); terr != nil || tok != json.Delim('[') {
			return err
		}
	} else if tok != json.Delim('[') {
		return err
	}
	for n := 1; dec.More(); n++ {
		start := dec.InputOffset()
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			return err
		}
		var l lead.Lead
		lerr := json.Unmarshal(raw, &l)
		if lerr == nil {
			continue
		}
		// The decoder stands after the lead before it: skip the comma
		// and the spaces to the lead's own first line.
		for start < int64(len(data)) && bytes.IndexByte([]byte(" \t\r\n,"), data[start]) >= 0 {
			start++
		}
		var id struct {
			ID string `json:"id"`
		}
		name := fmt.Sprintf("lead %d", n)
		if json.Unmarshal(raw, &id) == nil && id.ID != "" {
			name += fmt.Sprintf(" (%s)", id.ID)
		}
		return fmt.Errorf("line %d: %s: %w", lineAt(data, start), name, lerr)
	}
	return err
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
