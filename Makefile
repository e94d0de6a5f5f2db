# leadflow — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
# The running stack's address for make leads/demo/bounce: URL=… as given;
# else http://ADDR when ADDR=… is given; else the URL a running 'make run'
# recorded in .local-data/run.url; else the default address.
ifeq ($(origin URL),undefined)
  ifneq ($(origin ADDR),undefined)
    URL := http://$(ADDR)
  else
    URL := $(or $(shell cat .local-data/run.url 2>/dev/null),http://127.0.0.1:8080)
  endif
endif
ADDR ?= 127.0.0.1:8080
SPEED ?= 1
TEST_SHARDS ?= 2
GO ?= go
STACK := $(GO) run ./local/cmd/stack
# The CLIs the short commands run, built rather than 'go run' (which adds
# "exit status 1" under a clean error).
LOCALBIN := bin/local
# $(call quietly,CMD): run CMD; when it fails, make stops with status 130
# and adds nothing, so CMD's own output (file:line: message, a hint) is the
# whole story. GNU make prints "make: *** [Makefile:N: target] Error 1"
# under every failed recipe (-s and .SILENT do not stop it); a make that
# its recipe interrupts exits without that line.
quietly = $(1) || { kill -INT $$PPID; sleep 5; }
FUNCTIONS := $(notdir $(patsubst %/main.go,%,$(wildcard functions/*/main.go)))

.PHONY: browser crash help run test vet lint-template deploy-check unit bench leads install tools build clean fuzz check-config check-sequences preview calibrate demo load bounce complaint soft-bounce sim plan

help:
	@echo "make run      start the whole system locally (emulators, API, schedules, landing page)"
	@echo "make test     go vet + cfn-lint + every test against the real emulators (TESTFLAGS=-race as in CI), then make crash, make sim and make browser"
	@echo "make sim      the 120-day lifecycle simulation alone (one line per simulated month)"
	@echo "make browser  the real-browser walk alone: every form filled in headless Chromium, screenshots in out/browser/"
	@echo "make crash    the crash test alone (worker processes killed while they send; prints its tally)"
	@echo "make bench    benchmarks with ratios against floors measured in the same run"
	@echo "make load     capture under 200 concurrent clients for 30 s: lost leads, 5xx, p50/p99 (FAULTS=0.05: inject DynamoDB failures; CONFLICTS=1: DynamoDB's transaction conflicts)"
	@echo "make leads    the leads of a running 'make run' as a table: stage, grade, score, campaign, what happens next (FORMAT=json: raw)"
	@echo "make demo     fill a running 'make run' with campaigns, answers and outcomes; prints the dashboard URL"
	@echo "make plan TARGET=100000 PERIOD=2027-Q1 [LOOKBACK=12] [FORMAT=json|csv]   a running 'make run': the revenue target worked backwards per campaign (leads, budget, sales hours)"
	@echo "make bounce EMAIL=… / make complaint EMAIL=… / make soft-bounce EMAIL=…   simulate an SES event in a running 'make run'; says what changed"
	@echo "make build    build every Lambda into bin/<name>/ as sam build does (linux/arm64 bootstrap, config/, zoneinfo.zip)"
	@echo "make deploy-check   cfn-lint + the SAM transform checks + config/ as the functions read it + every build target: run before 'sam build && sam deploy'"
	@echo "make check-config [CONFIG=qualify.yaml] [CAMPAIGNS=config/campaigns] [SEGMENTS=config/segments] [SEQUENCES=nurture.yaml] [TRACK_PAGES=/pricing=pricing_page_view,...] [LEAD=events/sample-lead.json]"
	@echo "             check the qualification config, every campaign and segment file and the nurture sequences; preview the decision for a lead"
	@echo "make check-sequences [SEQUENCES=nurture.yaml]   validate nurture sequences"
	@echo "make calibrate [ARGS='-csv … -mapping … -out … -report …']   fit points from historical outcomes"
	@echo "make preview TEMPLATE=cold_welcome [SEQUENCES=…] [LEAD=…]   render an email to out/preview.html"
	@echo "options: ADDR=$(ADDR) SPEED=$(SPEED) PERSIST=1 (keep data in .local-data/) V=1 (make run: the raw JSON log on the terminal)"
	@echo "         ORIGINS=http://localhost:3000 (make run: more sites allowed to post forms, e.g. one pasting the embed snippet)"
	@echo "         CONFIG=qualify.yaml SEQUENCES=nurture.yaml (make run: the functions run your copies of the rules and sequences)"
	@echo "         REPORT_TIME_ZONE=America/New_York (make run: months are counted in that zone, as the ReportTimeZone parameter does)"
	@echo "         URL=$(URL) (make leads/demo/bounce: follows ADDR, else the running 'make run')"

# --- local toolchain -------------------------------------------------------
tools:
	@command -v $(GO) >/dev/null || { echo "go not found: install Go 1.26 (https://go.dev/dl)"; exit 1; }
	@command -v node >/dev/null || { echo "node not found: install Node.js 20+ (Debian: apt-get install -y nodejs npm)"; exit 1; }
	@command -v npm >/dev/null || { echo "npm not found: install npm (Debian: apt-get install -y npm)"; exit 1; }
	@command -v java >/dev/null || { echo "java not found: install Java 17 (Debian: apt-get install -y openjdk-17-jre-headless)"; exit 1; }

# npm ci only when the lockfile changed since the last install: npm's own
# record of what node_modules holds, so a user's own npm ci counts too.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: tools node_modules/.package-lock.json

# --- the two commands ------------------------------------------------------
run: install $(LOCALBIN)/stack
	@$(call quietly,$(LOCALBIN)/stack run -addr $(ADDR) -speed $(SPEED) $(if $(PERSIST),-persist) $(if $(filter-out 0,$(V)),-v) $(if $(ORIGINS),-origins '$(ORIGINS)') $(if $(CONFIG),-config '$(CONFIG)') $(if $(SEQUENCES),-sequences '$(SEQUENCES)') $(if $(REPORT_TIME_ZONE),-report-time-zone '$(REPORT_TIME_ZONE)'))

# The suite: every package against the emulators, shared/app's
# integration tests as TEST_SHARDS (2) processes side by side, each with
# its own emulators (local/test.sh says why and how).
test: install vet lint-template
	GO=$(GO) TESTFLAGS='$(TESTFLAGS)' TEST_SHARDS=$(TEST_SHARDS) bash local/test.sh
	$(MAKE) --no-print-directory crash
	$(MAKE) --no-print-directory sim
	$(MAKE) --no-print-directory browser

# The crash test (worker processes killed at random while they send), on
# its own after the suite: its clock runs 30x the wall, so the other
# packages' tests must not starve its workers and SES's Send events
# (the protocol sends twice only when a Send event comes later than its
# wait, 20 s of wall time here). TESTFLAGS apply (-race in CI).
crash: install
	$(STACK) exec -- $(GO) test -count=1 -timeout 20m $(TESTFLAGS) -run '^TestKilledWorkersSendEveryDueEmailOnce$$' -v ./shared/app

# The 120-day lifecycle simulation, on its own after the suite (no -race,
# no other package sharing the cores, so its time means something); it
# prints one line per simulated month. SIM_SEED=n for another run, SIM_DAYS=n
# (under 120) for a shorter one.
sim: install
	$(STACK) exec -- $(GO) test -count=1 -timeout 10m -run '^TestLifecycleSimulation$$' -v ./shared/app

# The real-browser test, on its own after the suite: it builds and starts
# the local stack (its own emulators, a free port) and walks it in headless
# Chromium (puppeteer-core from package.json driving Debian's chromium, or
# CHROMIUM=/path): every campaign form and the landing page filled and
# submitted, the thank-you pages, a refused form, the sales alert's Accept
# link, the opt-in link, the embed snippet and the dashboard, each page
# screenshot at 1280 px into out/browser/; the rep's alert pages, the
# confirm and landing pages on a 390x844 phone too (the lead's name and
# the button on the first screen). One line per step. Skipped
# without chromium, unless CI=true.
browser: install
	$(GO) test -count=1 -timeout 10m -run '^TestBrowser$$' -v ./local/browser

vet:
	$(GO) vet ./...

# cfn-lint runs the SAM transform and CloudFormation's rules, as sam deploy
# would. In CI a missing cfn-lint fails the run; on a developer's machine
# the check is skipped, loudly.
lint-template:
	@if command -v cfn-lint >/dev/null 2>&1; then \
	  cfn-lint template.yaml && echo "cfn-lint template.yaml: clean"; \
	elif [ "$$CI" = true ]; then \
	  echo "cfn-lint not found: pip install cfn-lint (required with CI=true and by make deploy-check)"; exit 1; \
	else \
	  echo "!!! DEPLOY CHECK SKIPPED: cfn-lint is not installed, so template.yaml was not checked against the SAM transform."; \
	  echo "!!! Install it with: pip install cfn-lint"; \
	fi

# Everything to run before 'sam build && sam deploy --guided': the linter,
# the checks on the transformed template, and every SAM build target.
# Nothing is skipped here: CI=true makes a missing tool an error.
deploy-check:
	@$(MAKE) --no-print-directory lint-template CI=true
	CI=true $(GO) test -count=1 ./deploy
	@$(MAKE) --no-print-directory build

unit:
	$(GO) test -count=1 -short ./...

# Every figure against a floor measured in the same run; prints the table,
# "N of M targets met" and writes out/bench.json. Knobs (environment):
# BENCH_ONLY=<part of a bench name>, BENCH_COLD_RUNS (15), BENCH_COLD_ONLY
# (=<function>: one function's cold start), BENCH_LEADS
# (2000) and BENCH_RATES (14,100,500) for the nurture throughput ticks,
# BENCH_NOT_DUE (5000), BENCH_TRACE=1.
bench: install
	$(STACK) exec -- $(GO) run ./bench

# Capture under CLIENTS concurrent clients for DURATION on loopback: every
# acknowledged lead must be stored and counted once. FAULTS=0.05 fails 5% of
# capture's DynamoDB writes; clients retry with the same idempotency key.
# CONFLICTS=1 makes DynamoDB Local refuse overlapping transactions on one
# item as DynamoDB does (local/ddbconflict): then no answer may be a 5xx.
load: install
	$(STACK) exec -- $(GO) run ./local/cmd/load -clients $(or $(CLIENTS),200) -duration $(or $(DURATION),30s) -faults $(or $(FAULTS),0) $(if $(filter-out 0,$(CONFLICTS)),-conflicts)

# Validate a qualification config (default: the embedded one) and preview
# the decision for a sample lead.
check-config: $(LOCALBIN)/leadflow
	@$(call quietly,$(LOCALBIN)/leadflow check-config $(if $(CONFIG),-config $(CONFIG)) $(if $(CAMPAIGNS),-campaigns $(CAMPAIGNS)) $(if $(SEGMENTS),-segments $(SEGMENTS)) $(if $(SEQUENCES),-sequences $(SEQUENCES)) $(if $(TRACK_PAGES),-track-pages '$(TRACK_PAGES)') -lead $(or $(LEAD),events/sample-lead.json) $(if $(SIGNALS),-signals $(SIGNALS)))

# The SES emulator publishes no bounce or complaint events: simulate one
# for an address through the function the template subscribes to them,
# and say what it changed.
bounce complaint soft-bounce: $(LOCALBIN)/stack
	@test -n "$(EMAIL)" || { echo "usage: make $@ EMAIL=address"; kill -INT $$PPID; sleep 5; }
	@$(call quietly,$(LOCALBIN)/stack ses -url $(URL) $@ '$(EMAIL)')

# Fit points from historical outcomes: make calibrate ARGS='-csv leads.csv -mapping mapping.yaml -out out/qualify.calibrated.yaml -report out/calibration.md'
# (or from the product's own outcomes: -leads leads.json, or -table TABLE; back-test configs: -evaluate A.yaml,B.yaml with the same data flags)
calibrate:
	$(GO) run ./cmd/calibrate $(or $(ARGS),-csv testdata/calibrate/leads.csv -mapping testdata/calibrate/mapping.yaml -out out/qualify.calibrated.yaml -report out/calibration.md -force)

check-sequences: $(LOCALBIN)/leadflow
	@$(call quietly,$(LOCALBIN)/leadflow check-sequences $(if $(SEQUENCES),-sequences $(SEQUENCES)))

preview:
	@mkdir -p out
	$(GO) run ./cmd/leadflow preview -template $(or $(TEMPLATE),cold_welcome) $(if $(SEQUENCES),-sequences $(SEQUENCES)) -lead $(or $(LEAD),events/sample-lead.json) -out out/preview.html

# Fill a running 'make run' with a month of campaigns, answers and outcomes
# through the real API, then open the dashboard it prints.
demo: $(LOCALBIN)/demo
	@$(call quietly,$(LOCALBIN)/demo -url $(URL))

leads: $(LOCALBIN)/stack
	@$(call quietly,$(LOCALBIN)/stack leads -url $(URL) $(if $(FORMAT),-format $(FORMAT)))

# The revenue planner of a running 'make run' (GET /reports/plan): the
# target worked backwards through each campaign's measured funnel.
plan: $(LOCALBIN)/stack
	@$(call quietly,$(LOCALBIN)/stack plan -url $(URL) -target '$(TARGET)' -period '$(PERIOD)' $(if $(LOOKBACK),-lookback '$(LOOKBACK)') $(if $(FORMAT),-format $(FORMAT)))

# Always rebuilt (go build is a no-op when nothing changed).
$(LOCALBIN)/stack: FORCE
	@$(GO) build -o $@ ./local/cmd/stack
$(LOCALBIN)/leadflow: FORCE
	@$(GO) build -o $@ ./cmd/leadflow
$(LOCALBIN)/demo: FORCE
	@$(GO) build -o $@ ./local/cmd/demo
FORCE:

fuzz:
	@GO=$(GO) bash local/fuzz.sh

# --- Lambda builds (SAM calls build-<LogicalId>) ----------------------------
# CaptureFunction → functions/capture, NurtureFunction → functions/nurture …
# config/ (marketing's qualification files) ships inside every function, and
# so does Go's time zone database: provided.al2023 has none, and the
# template's ZONEINFO names /var/task/zoneinfo.zip.
build-%Function:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
		-o $(ARTIFACTS_DIR)/bootstrap ./functions/$(shell echo '$*' | tr '[:upper:]' '[:lower:]')
	cp -r config $(ARTIFACTS_DIR)/
	cp "$$($(GO) env GOROOT)/lib/time/zoneinfo.zip" $(ARTIFACTS_DIR)/

# Each function into bin/<name>/ exactly as SAM builds it (the target above).
build:
	@for f in $(FUNCTIONS); do \
	  mkdir -p bin/$$f && $(MAKE) --no-print-directory -s build-$${f}Function ARTIFACTS_DIR=$(CURDIR)/bin/$$f || exit 1; \
	  echo "bin/$$f/bootstrap $$(stat -c %s bin/$$f/bootstrap) bytes"; done

clean:
	rm -rf bin .aws-sam
