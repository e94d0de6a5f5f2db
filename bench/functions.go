package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/shared/app/registry"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/awsclients/all"
	"github.com/leadflow/leadflow/shared/awsclients/chain"
)

func init() { register("function binaries and init", benchFunctions) }

// benchFunctions builds every function as SAM does (linux/arm64, stripped)
// and compares its size with its floor built the same way in the same run:
// the least Lambda that makes the same AWS calls (bench/floor.go); and,
// without a target, the code plus the zone database shipped beside it. It also
// times each function's init (config, clients, wiring) against building the
// SDK clients alone.
func benchFunctions(e *env) []Row {
	root, err := sam.Root()
	must(err)
	dir, err := os.MkdirTemp("", "bench-bin")
	must(err)
	defer os.RemoveAll(dir)
	floors, called, cleanup := e.floors(root)
	defer cleanup()
	size := func(bin string) float64 {
		st, err := os.Stat(bin)
		must(err)
		return float64(st.Size()) / (1 << 20)
	}

	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	must(err)
	zoneinfo := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip") // as the Makefile ships it

	clientsInit := median(func() {
		b, err := chain.Load(context.Background(), e.aws)
		must(err)
		awsclients.Use(b, all.Services...)
	})
	var rows []Row
	table := e.table("init")
	for _, f := range e.tmpl.Functions {
		bin, floorBin := filepath.Join(dir, f.Name), filepath.Join(dir, f.Name+"-floor")
		lambdaBuild(root, "./"+f.CodeUri, bin, "linux", "arm64")
		lambdaBuild(root, floors[f.Name], floorBin, "linux", "arm64")
		rows = append(rows, ratioRow("binary size: "+f.Name+" vs a Lambda making its AWS calls", size(bin), size(floorBin), "MiB", 1.25))
		// What ships besides the code (no target; shown so the binary's
		// figure hides nothing): the time zone database, a file beside
		// bootstrap since provided.al2023 has none (Makefile build-%Function).
		rows = append(rows, ratioRow("code + zoneinfo.zip: "+f.Name+" vs its floor's binary", size(bin)+size(zoneinfo), size(floorBin), "MiB", 0))
		// Linked beyond the floor: operations nothing calls, kept because
		// a reflective method call (text/template) is reachable.
		linked, floorLinked := linkedOperations(bin), linkedOperations(floorBin)
		rows = append(rows, ratioRow("SDK operations linked: "+f.Name+" vs its floor", float64(sum(linked)), float64(sum(floorLinked)), "operations", 0))
		fmt.Fprintf(os.Stderr, "bench: %s calls %d operations (%s); links %s, its floor %s\n", f.Name, called[f.Name].count(), called[f.Name], opsLinked(linked), opsLinked(floorLinked))

		extra := map[string]string{
			"DYNAMODB_ENDPOINT": e.aws.DynamoDBEndpoint, "SES_ENDPOINT": e.aws.SESEndpoint, "AWS_REGION": "us-east-1",
			"SIGNING_KEYS": "b1:bench-signing-key-0123456789", "SES_MAX_SEND_RATE": "14", "PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", "ALLOWED_ORIGINS": "*",
			"CAMPAIGNS_DIR": filepath.Join(root, "config", "campaigns"), "SEGMENTS_DIR": filepath.Join(root, "config", "segments")}
		maps.Copy(extra, gateway.LocalAddresses) // no default in the template
		env := gateway.FunctionEnv(f, map[string]string{e.tmpl.TableID: table}, extra)
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

// floors generates every function's floor (bench/floor.go) in a folder
// inside the module, removed by cleanup.
func (e *env) floors(root string) (pkgs map[string]string, called map[string]calls, cleanup func()) {
	dir, err := os.MkdirTemp(filepath.Join(root, "bench"), "_floors-") // "_": not part of ./...
	must(err)
	var names []string
	for _, f := range e.tmpl.Functions {
		names = append(names, f.Name)
	}
	pkgs, called = writeFloors(root, dir, names)
	return pkgs, called, func() { os.RemoveAll(dir) }
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func opsLinked(m map[string]int) string {
	var parts []string
	for _, svc := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", svc, m[svc]))
	}
	return strings.Join(parts, ", ")
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
