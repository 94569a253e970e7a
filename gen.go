package squareoauth

// The generator is pinned in its own module so that importers of this package
// never inherit its dependencies.
//go:generate go tool -modfile=internal/tools/go.mod oapi-codegen -config cfg.yaml openapi.yaml
