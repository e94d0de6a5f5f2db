package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/shared/app/registry"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/awsclients/all"
)

func init() { register("function binaries and init", benchFunctions) }

// benchFunctions builds every function as SAM does (linux/arm64, stripped)
// and compares its size with the smallest possible Lambda, and times each
// function's init (config, clients, wiring) against building the SDK
// clients alone.
func benchFunctions(e *env) []Row {
	root, err := sam.Root()
	must(err)
	dir, err := os.MkdirTemp("", "bench-bin")
	must(err)
	defer os.RemoveAll(dir)
	build := func(pkg, out string) float64 {
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		b, err := cmd.CombinedOutput()
		if err != nil {
			must(fmt.Errorf("build %s: %v\n%s", pkg, err, b))
		}
		st, err := os.Stat(out)
		must(err)
		return float64(st.Size()) / (1 << 20)
	}
	floorMB := build("./bench/minimal", filepath.Join(dir, "minimal"))

	clientsInit := median(func() {
		b, err := awsclients.LoadBase(context.Background(), e.aws)
		must(err)
		awsclients.Use(b, all.Services...)
	})
	var rows []Row
	table := e.table("init")
	for _, f := range e.tmpl.Functions {
		mb := build("./"+f.CodeUri, filepath.Join(dir, f.Name))
		r := ratioRow("binary size: "+f.Name, mb, floorMB, "MB", 0)
		ok := mb <= 10
		r.OK, r.Target = &ok, "≤ 10 MB"
		rows = append(rows, r)

		env := gateway.FunctionEnv(f, map[string]string{e.tmpl.TableID: table}, map[string]string{
			"DYNAMODB_ENDPOINT": e.aws.DynamoDBEndpoint, "SES_ENDPOINT": e.aws.SESEndpoint, "AWS_REGION": "us-east-1",
			"SIGNING_KEYS": "b1:bench-signing-key-0123456789", "SES_MAX_SEND_RATE": "14", "ALLOWED_ORIGINS": "*",
			"CAMPAIGNS_DIR": filepath.Join(root, "config", "campaigns")})
		// The first build in this process: cold, like a Lambda init
		// (the embedded default configs are parsed on first use).
		t0 := time.Now()
		_, err := registry.Build(context.Background(), f.Name, all.Services, func(k string) string { return env[k] }, io.Discard, time.Now)
		must(err)
		init := time.Since(t0)
		ir := ratioRow("init (first): "+f.Name+" vs SDK clients alone", ms(init), ms(clientsInit), "ms", 0)
		iok := ms(init) <= 50
		ir.OK, ir.Target = &iok, "≤ 50 ms"
		rows = append(rows, ir)
	}
	return rows
}

// median of 15 timed runs.
func median(fn func()) time.Duration {
	var ds []time.Duration
	for i := 0; i < 15; i++ {
		t0 := time.Now()
		fn()
		ds = append(ds, time.Since(t0))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}
