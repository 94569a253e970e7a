# Every target works on a fresh machine with only Go (and git, make) installed.
GO ?= go

.PHONY: all generate check-generated check-api test fuzz vet fmt-check demo ci

all: check-generated check-api vet fmt-check test

# Regenerate oauth.gen.go from openapi.yaml and cfg.yaml with the pinned
# oapi-codegen (internal/tools/go.mod).
generate:
	$(GO) generate ./...

# Fail when oauth.gen.go is not what the committed spec and config produce,
# or when either go.mod is untidy.
check-generated: generate
	git diff --exit-code -- oauth.gen.go
	@test -z "$$(git status --porcelain -- oauth.gen.go)" || { echo "oauth.gen.go is untracked"; exit 1; }
	$(GO) mod tidy -diff
	cd internal/tools && $(GO) mod tidy -diff

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

# Run each fuzz target for FUZZTIME (Go fuzzes one target per invocation).
# Plain `go test` already runs their seed corpora (f.Add and testdata/fuzz).
FUZZTIME ?= 5s
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzErrorBody$$' -fuzztime=$(FUZZTIME) .
	$(GO) test -run='^$$' -fuzz='^FuzzParseCallback$$' -fuzztime=$(FUZZTIME) .
	$(GO) test -run='^$$' -fuzz='^FuzzCredential$$' -fuzztime=$(FUZZTIME) .

vet:
	$(GO) vet ./...

fmt-check:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Walk the whole OAuth flow against the in-process fake Square.
demo:
	$(GO) run ./cmd/squareoauth demo

ci: check-generated check-api vet fmt-check test fuzz
