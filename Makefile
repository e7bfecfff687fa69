# carekey — everyday commands. Only Go is needed for run, test, build and bench;
# lint downloads staticcheck through the Go module proxy on first use.

# Pinned: the newest staticcheck release that supports Go 1.26. .ci/run uses it too.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
# How long `make fuzz` runs each fuzz target.
FUZZTIME ?= 10s
# Which benchmarks `make bench` runs (a -bench regexp).
BENCH ?= .

.PHONY: run test build lint fmt-check vet staticcheck fuzz bench ci clean

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

## lint: gofmt check, go vet and staticcheck
lint: fmt-check vet staticcheck

fmt-check:
	@files="$$(gofmt -l .)"; \
	if [ -n "$$files" ]; then echo "gofmt needed on:"; echo "$$files"; exit 1; fi

vet:
	go vet ./...

staticcheck:
	go run $(STATICCHECK) ./...

## fuzz: run each fuzz target for FUZZTIME (make fuzz FUZZTIME=1m)
fuzz:
	@set -e; \
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u); do \
		for target in $$(go test -list '^Fuzz' "$$dir" | grep '^Fuzz'); do \
			echo "== $$dir $$target"; \
			go test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) "$$dir"; \
		done; \
	done

## bench: benchmarks with allocations (make bench BENCH=Login); compare runs with benchstat
bench:
	go test -run '^$$' -bench '$(BENCH)' -benchmem ./...

## ci: what CI runs (needs PostgreSQL and Redis; see .ci/run)
ci:
	bash .ci/run

clean:
	rm -rf bin/
