# Every target works on a fresh machine with Go, git and make; the -race
# tests (test, test-vault, ci) also need a C compiler, as -race needs cgo.
GO ?= go

.PHONY: all generate check-generated check-api test alloc-budget test-vault fuzz bench vet fmt-check demo demo-vault bench-vault ci

all: check-generated check-api vet fmt-check test

# Regenerate oauth.gen.go from openapi.yaml and cfg.yaml with the pinned
# oapi-codegen (internal/tools/go.mod).
generate:
	$(GO) generate ./...

# Fail when oauth.gen.go is not what the committed spec and config produce,
# or when either go.mod is untidy, with the command that fixes it. The
# generator needs Go 1.26 (internal/tools/go.mod), the library only 1.25.
check-generated: generate
	@status="$$(git status --porcelain -- oauth.gen.go)"; \
	case "$$status" in \
	"") ;; \
	"??"*) echo "oauth.gen.go is untracked: git add it and commit it (make generate wrote it)."; exit 1 ;; \
	?M*) git --no-pager diff --stat -- oauth.gen.go; \
	     echo "oauth.gen.go is out of date: run \`make generate\` and commit the result (this check just regenerated it; \`git diff oauth.gen.go\` shows the change)."; exit 1 ;; \
	*) echo "oauth.gen.go is regenerated and staged, but not committed: commit it."; exit 1 ;; \
	esac
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run \`go mod tidy\` and commit the result."; exit 1; }
	@cd internal/tools && $(GO) mod tidy -diff || { echo "internal/tools/go.mod or go.sum is not tidy: run \`cd internal/tools && go mod tidy\` (Go 1.26) and commit the result."; exit 1; }

# Fail when openapi.yaml breaks wire compatibility with the spec of the last
# release (api/openapi.released.yaml), with the pinned oasdiff
# (internal/tools/go.mod). Changes oasdiff rates as warnings, such as removing
# an optional request field, pass; Go API breaks are not seen at all (review
# the oauth.gen.go diff for those). Override API_SPEC or API_RELEASED to
# compare other files.
API_RELEASED ?= api/openapi.released.yaml
API_SPEC ?= openapi.yaml
check-api:
	$(GO) tool -modfile=internal/tools/go.mod oasdiff breaking $(API_RELEASED) $(API_SPEC) --fail-on ERR --allow-external-refs=false --color never

# The README's test command.
test:
	$(GO) test -race ./...

# The allocation budget of each call against raw net/http. It needs a
# build without -race, under which sync.Pool drops items at random.
alloc-budget:
	$(GO) test -count=1 -run '^TestAllocationBudget$$' -v .

# The vault module (vault/go.mod), on SQLite and on the PostgreSQL that
# SQUAREOAUTH_TEST_POSTGRES names (default 127.0.0.1:5432, database test);
# its PostgreSQL tests skip when no server answers, unless
# SQUAREOAUTH_REQUIRE_POSTGRES=1.
test-vault:
	cd vault && $(GO) vet ./... && $(GO) mod tidy -diff && $(GO) test -race ./...

# The SDK against a raw net/http baseline: time, bytes and allocations per
# call (rounds alternate raw and SDK), their ratios by benchstat (pinned
# in internal/tools), the paired-median time ratio, and the counted claims:
# one TCP connection for 100 calls, one refresh for 1,000 callers, the heap
# kept after a 100 MiB answer. Quote ratios, not absolute times.
BENCHCOUNT ?= 10
bench:
	@mkdir -p .bench
	$(GO) test -c -o .bench/squareoauth.test .
	@# One round at a time, so that raw and SDK alternate (go test -count
	@# would run each sub-benchmark's rounds back to back).
	for i in $$(seq $(BENCHCOUNT)); do ./.bench/squareoauth.test -test.run='^$$' -test.bench='^Benchmark(Call|TokenSourceCached)$$' -test.benchmem; done | tee .bench/calls.txt
	$(GO) tool -modfile=internal/tools/go.mod benchstat -filter '.name:Call' -col /side -row /call .bench/calls.txt
	$(GO) tool -modfile=internal/tools/go.mod benchstat -filter '.name:TokenSourceCached' .bench/calls.txt
	./.bench/squareoauth.test -test.run='^$$' -test.bench='^BenchmarkPairedRatio$$' -test.benchtime=5000x -test.count=3
	$(GO) test -count=1 -v -run='^(TestOneConnectionForManyCalls|TestTokenSourceSingleRefresh|TestHugeBodyKeepsLittle)$$' . | grep -E '(connections|refresh requests|live heap|^(ok|FAIL|---))'

# Go fuzzes one target per invocation. Each runs a fixed number of inputs
# (about 5 s each on a 2-core machine), not a duration: a -fuzztime
# duration trips a race in Go's fuzz coordinator (go.dev/issue/75804, not
# fixed in Go 1.26) that fails a clean run with "context deadline
# exceeded" and no failing input, as it once failed CI. FUZZSCALE=20
# make fuzz runs twenty times as many. Plain `go test` already runs the
# seed corpora (f.Add and testdata/fuzz).
FUZZSCALE ?= 1
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzErrorBody$$' -fuzztime=$$((40000 * $(FUZZSCALE)))x .
	$(GO) test -run='^$$' -fuzz='^FuzzParseCallback$$' -fuzztime=$$((50000 * $(FUZZSCALE)))x .
	$(GO) test -run='^$$' -fuzz='^FuzzCredential$$' -fuzztime=$$((15000 * $(FUZZSCALE)))x .

vet:
	$(GO) vet ./...

fmt-check:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Walk the whole OAuth flow against the in-process fake Square.
demo:
	$(GO) run ./cmd/squareoauth demo

# The vault on its embedded default: several processes sharing one SQLite
# file in a temporary directory, against the in-process fake Square.
demo-vault:
	cd vault && $(GO) run ./cmd/vaultdemo

# The vault's figures in vault/README.md, on SQLite and PostgreSQL
# (SQUAREOAUTH_TEST_POSTGRES, default 127.0.0.1:5432; required, so that a
# missing server fails rather than silently dropping half the figures:
# SQUAREOAUTH_REQUIRE_POSTGRES=0 make bench-vault for SQLite alone).
# Token on a fresh seller against a bare SELECT 1 on the same pool, calls
# alternating, as a median ratio with allocations; then RefreshDue in
# several processes over 10,000 due sellers, each asserted refreshed
# exactly once, against the fake Square's own ceiling. About a minute on
# 2 cores.
bench-vault: export SQUAREOAUTH_REQUIRE_POSTGRES ?= 1
bench-vault:
	cd vault && $(GO) test -run='^$$' -bench='^BenchmarkToken$$' -benchtime=5000x -count=3 .
	cd vault && $(GO) test -run='^$$' -bench='^BenchmarkRefreshDue$$' -benchtime=1x -count=1 .

# What CI runs (.ci/run, after starting PostgreSQL).
ci: check-generated check-api vet fmt-check test alloc-budget test-vault fuzz
