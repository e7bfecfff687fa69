# carekey — everyday commands. Only Go is needed for run, test, build and bench (make ui needs Node);
# lint downloads staticcheck through the Go module proxy on first use.

# Pinned: the newest staticcheck release that supports Go 1.26. .ci/run uses it too.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
# How long `make fuzz` runs each fuzz target, and extra go test flags
# (FUZZFLAGS='-parallel 1' on a shared machine).
FUZZTIME ?= 10s
FUZZFLAGS ?=
# How long the fuzzer may spend shrinking each new input. 0s spends all of
# FUZZTIME finding new ones; shrinking a large seed (configs/example.yaml)
# would otherwise take most of a short run. Raise it (FUZZMINIMIZETIME=1m)
# to shrink a crasher before committing it as a regression seed.
FUZZMINIMIZETIME ?= 0s
# Which benchmarks `make bench` runs (a -bench regexp).
BENCH ?= .

.PHONY: run test build ui lint fmt-check vet staticcheck fuzz bench bench-serve ci clean

## run: start the identity provider in dev mode (memory backends, dev outbox, dashboard on :8081);
## make run PORT=18080 serves it on 18080 and the dashboard on 18081 (loopback only)
run:
	go run ./cmd/idp dev $(if $(PORT),--port $(PORT))

## test: all tests with the race detector; real-service tests skip unless IDP_TEST_* are set
## (TESTFLAGS adds go test flags: make test TESTFLAGS='-run Signin')
test:
	go test -race -count=1 $(TESTFLAGS) ./...

## build: build every command into bin/
build:
	go build -o bin/ ./cmd/...

## ui: rebuild the GOV.UK Frontend CSS (pinned in ui/build/package.json) into ui/static/govuk and
## internal/dashboard/static/govuk; needs Node and npm. The output is committed, so nothing else needs them.
ui:
	cd ui/build && npm ci --no-audit --no-fund --ignore-scripts && node build.mjs

## lint: gofmt check, go vet and staticcheck
lint: fmt-check vet staticcheck

fmt-check:
	@files="$$(gofmt -l .)"; \
	if [ -n "$$files" ]; then echo "gofmt needed on:"; echo "$$files"; exit 1; fi

vet:
	go vet ./...

staticcheck:
	go run $(STATICCHECK) ./...

## fuzz: run each fuzz target for FUZZTIME (make fuzz FUZZTIME=1m); .ci/fuzz-target.sh runs one
## (and tells Go 1.26's fuzzing deadline race, golang/go#75804, from a finding); fails on a crash,
## or if a package's fuzz targets do not all build and list
fuzz:
	@set -e; \
	start=$$(date +%s); n=0; \
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u); do \
		list=$$(go test -list '^Fuzz' "$$dir"); \
		want=$$(grep -h '^func Fuzz' "$$dir"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/' | sort); \
		have=$$(printf '%s\n' "$$list" | grep '^Fuzz' | sort); \
		if [ "$$want" != "$$have" ]; then \
			echo "fuzz: $$dir declares" $$want "but go test lists" $$have >&2; exit 1; \
		fi; \
		for target in $$have; do \
			t0=$$(date +%s); \
			echo "== $$dir $$target"; \
			bash .ci/fuzz-target.sh "$$dir" "$$target" $(FUZZTIME) $(FUZZMINIMIZETIME) $(FUZZFLAGS); \
			echo "== $$dir $$target: $$(( $$(date +%s) - t0 ))s"; \
			n=$$((n + 1)); \
		done; \
	done; \
	echo "fuzz: $$n targets, $(FUZZTIME) each, $$(( $$(date +%s) - start ))s in all"

## bench: benchmarks with allocations (make bench BENCH=Login); compare runs with benchstat
bench:
	go test -run '^$$' -bench '$(BENCH)' -benchmem ./...

## bench-serve: load test of idp serve on the local PostgreSQL + Redis (make bench-serve N=200 C=4;
## STATIC=20000 adds discovery and JWKS req/s, STATIC_C at once; deploy/bench/serve.sh)
bench-serve:
	N=$(or $(N),200) C=$(or $(C),4) STATIC=$(STATIC) STATIC_C=$(STATIC_C) sh deploy/bench/serve.sh

## ci: what CI runs (needs PostgreSQL and Redis; see .ci/run)
ci:
	bash .ci/run

clean:
	rm -rf bin/
