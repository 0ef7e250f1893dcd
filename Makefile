# Hotpass build, demo and checks. Needs only Go (and PostgreSQL for the
# Postgres tests, which `make test` starts itself; see scripts/with-postgres.sh).

GO          ?= go
BIN         := bin/hotpass
TOOLS       := $(CURDIR)/.tools
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(TOOLS)/staticcheck-$(STATICCHECK_VERSION)
# The OpenTelemetry Collector the telemetry tests export to, built from the
# Go module proxy with the collector's builder; cached under a name keyed by
# its configuration, so a changed configuration builds anew.
OTELCOL_VERSION := v0.165.0
OTELCOL_CONFIG  := tools/otelcol/builder-config.yaml
OTELCOL_BUILDER := $(TOOLS)/builder-$(OTELCOL_VERSION)
OTELCOL         := $(TOOLS)/otelcol-$(shell sha256sum $(OTELCOL_CONFIG) 2>/dev/null | cut -c1-12)
# The Temporal CLI whose development server the Temporal tests start,
# built from the Go module proxy (several minutes on two cores, once).
TEMPORAL_VERSION := v1.5.1
TEMPORAL        := $(TOOLS)/temporal-$(TEMPORAL_VERSION)
# -race needs cgo; the release binary does not.
TEST_FLAGS  ?= -race -timeout 15m
BENCH       ?= .
BENCH_PKGS  ?= ./...
# The version `hotpass version` prints; without git, the binary falls back to
# its build info.
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS     := -X main.version=$(VERSION)
# Where `make demo` writes the workbook and report.
DEMO_DIR    ?= dist/demo

.PHONY: all build demo test vet staticcheck otelcol temporal lint fmt-check bench schema clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/hotpass

## demo: refine the bundled aviation workbooks into the SSOT workbook and quality report
demo: build
	$(BIN) orchestrate --profile aviation --input-dir examples/aviation/data \
		--output $(DEMO_DIR)/refined.xlsx --report-path $(DEMO_DIR)/quality-report
	@echo
	@echo "Next, try:"
	@echo "  1. Open $(DEMO_DIR)/refined.xlsx (Data and Summary sheets) and $(DEMO_DIR)/quality-report.html."
	@echo "  2. Keep the pipeline as a spec to edit, and run it:"
	@echo "       mkdir -p pipelines && $(BIN) orchestrate --profile aviation --input-dir examples/aviation/data --print-spec > pipelines/aviation.yaml"
	@echo "       $(BIN) run pipelines/aviation.yaml"
	@echo "  3. Deduplicate people probabilistically and score the result:"
	@echo "       $(BIN) resolve --input testdata/linkage/fake_1000/fake_1000.csv --output dist/people --config examples/linkage/fake_1000.yaml"
	@echo "       $(BIN) linkage evaluate --predictions dist/people --truth-column cluster --input testdata/linkage/fake_1000/fake_1000.csv"

## test: vet, staticcheck, gofmt and the race-enabled test suite (with a throwaway PostgreSQL,
## a real OpenTelemetry Collector and a Temporal dev server)
test: vet staticcheck fmt-check otelcol temporal
	HOTPASS_OTELCOL=$(OTELCOL) HOTPASS_TEMPORAL=$(TEMPORAL) scripts/with-postgres.sh $(GO) test $(TEST_FLAGS) ./...

vet:
	$(GO) vet ./...

$(STATICCHECK):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(TOOLS)/staticcheck $(STATICCHECK)

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

$(OTELCOL_BUILDER):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OTELCOL_VERSION)
	mv $(TOOLS)/builder $(OTELCOL_BUILDER)

## otelcol: build the OpenTelemetry Collector the telemetry tests run (a few minutes, once)
$(OTELCOL): $(OTELCOL_CONFIG) | $(OTELCOL_BUILDER)
	rm -rf $(TOOLS)/otelcol-build
	$(OTELCOL_BUILDER) --config $(OTELCOL_CONFIG)
	mv $(TOOLS)/otelcol-build/hotpass-otelcol $@
	rm -rf $(TOOLS)/otelcol-build

otelcol: $(OTELCOL)

## temporal: build the Temporal CLI whose dev server the Temporal tests start
$(TEMPORAL):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_VERSION)
	mv $(TOOLS)/temporal $(TEMPORAL)

temporal: $(TEMPORAL)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

lint: vet staticcheck fmt-check

## bench: every benchmark, plus the command-level comparisons under bench/
bench: build temporal
	scripts/with-postgres.sh $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(BENCH_PKGS)
	bench/run.sh

## schema: regenerate schemas/pipeline.schema.json from the registered task types
schema:
	$(GO) run ./cmd/hotpass schema > schemas/pipeline.schema.json

clean:
	rm -rf bin .tools
