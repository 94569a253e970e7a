# Every target works on a fresh machine with only Go (and git, make) installed.
GO ?= go

.PHONY: all generate check-generated test vet fmt-check demo ci

all: check-generated vet fmt-check test

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

# The README's test command.
test:
	$(GO) test -race ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Walk the whole OAuth flow against the in-process fake Square.
demo:
	$(GO) run ./cmd/squareoauth demo

ci: check-generated vet fmt-check test
