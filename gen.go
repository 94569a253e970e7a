package squareoauth

// The generator is pinned in its own module so that importers of this package
// never inherit its dependencies. gendoc then replaces the generator's own
// package comment and client comments, so that go doc reads as doc.go
// says (see internal/gendoc).
//go:generate go tool -modfile=internal/tools/go.mod oapi-codegen -config cfg.yaml openapi.yaml
//go:generate go run ./internal/gendoc oauth.gen.go
