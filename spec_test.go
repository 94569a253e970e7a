package squareoauth_test

import (
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/squareoauth/squareoauth"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(squareoauth.OpenAPISpec())
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI: %v", err)
	}
	return doc
}

// TestSpecDescribesSquaresEndpoints pins the facts the header rules and the
// generated code rely on.
func TestSpecDescribesSquaresEndpoints(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi: got %q; want 3.0.3", doc.OpenAPI)
	}
	if doc.Info.Version != squareoauth.DefaultSquareVersion {
		t.Errorf("info.version %q differs from DefaultSquareVersion %q", doc.Info.Version, squareoauth.DefaultSquareVersion)
	}
	tests := []struct {
		path, operationID, scheme string
		hasBody                   bool
	}{
		{"/oauth2/token", "ObtainToken", "", true},
		{"/oauth2/revoke", "RevokeToken", "oauth2ClientSecret", true},
		{"/oauth2/token/status", "RetrieveTokenStatus", "accessToken", false},
	}
	if got := doc.Paths.Len(); got != len(tests) {
		t.Errorf("paths: got %d; want exactly %d", got, len(tests))
	}
	for _, tt := range tests {
		item := doc.Paths.Value(tt.path)
		if item == nil || item.Post == nil || len(item.Operations()) != 1 {
			t.Errorf("%s: want exactly one operation, POST", tt.path)
			continue
		}
		op := item.Post
		if op.OperationID != tt.operationID {
			t.Errorf("%s: operationId %q; want %q", tt.path, op.OperationID, tt.operationID)
		}
		if len(op.Parameters) != 0 || len(item.Parameters) != 0 {
			t.Errorf("%s: declares parameters; headers belong in securitySchemes and editors", tt.path)
		}
		if (op.RequestBody != nil) != tt.hasBody {
			t.Errorf("%s: has request body = %v; want %v", tt.path, op.RequestBody != nil, tt.hasBody)
		}
		var schemes []string
		if op.Security != nil {
			for _, req := range *op.Security {
				for name := range req {
					schemes = append(schemes, name)
				}
			}
		} else {
			t.Errorf("%s: security unset; want it explicit", tt.path)
		}
		if got := strings.Join(schemes, ","); got != tt.scheme {
			t.Errorf("%s: security %q; want %q", tt.path, got, tt.scheme)
		}
		for _, status := range []string{"200", "4XX", "5XX"} {
			if op.Responses.Value(status) == nil {
				t.Errorf("%s: no %s response declared", tt.path, status)
			}
		}
	}
	if s := doc.Components.SecuritySchemes["oauth2ClientSecret"].Value; s.Type != "apiKey" || s.In != "header" || s.Name != "Authorization" {
		t.Errorf("oauth2ClientSecret: got %+v; want an apiKey in the Authorization header", s)
	}
	if s := doc.Components.SecuritySchemes["accessToken"].Value; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("accessToken: got %+v; want http bearer", s)
	}
}

// TestWireFieldNames pins every schema's JSON field names to Square's
// published spec (api.json in github.com/square/connect-api-specification). The SDK and the fake
// both use the generated models, so a misspelt name in openapi.yaml would
// otherwise pass every round trip between them and fail only at Square.
func TestWireFieldNames(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	want := map[string][]string{
		"ObtainTokenRequest": {"client_id", "client_secret", "code", "code_verifier", "grant_type", "migration_token",
			"redirect_uri", "refresh_token", "scopes", "short_lived"},
		"ObtainTokenResponse": {"access_token", "errors", "expires_at", "id_token", "merchant_id", "plan_id",
			"refresh_token", "refresh_token_expires_at", "short_lived", "subscription_id", "token_type"},
		"RevokeTokenRequest":          {"access_token", "client_id", "merchant_id", "revoke_only_access_token"},
		"RevokeTokenResponse":         {"errors", "success"},
		"RetrieveTokenStatusResponse": {"client_id", "errors", "expires_at", "merchant_id", "scopes"},
		"Error":                       {"category", "code", "detail", "field"},
		// Both of Square's error shapes in one (api/README.md).
		"ErrorResponse": {"errors", "field", "message", "type"},
	}
	for schema, fields := range want {
		ref := doc.Components.Schemas[schema]
		if ref == nil {
			t.Errorf("schema %s is missing", schema)
			continue
		}
		got := slices.Sorted(maps.Keys(ref.Value.Properties))
		if !slices.Equal(got, fields) {
			t.Errorf("%s fields: got %q; want Square's %q", schema, got, fields)
		}
	}
}

// TestLibraryImports guards the promise in api/README.md: the generated code
// needs only the standard library (no oapi-codegen runtime), and the library
// as a whole adds nothing but golang.org/x/oauth2 to an importer's build.
// The module's own internal packages it imports are held to the same rule.
func TestLibraryImports(t *testing.T) {
	t.Parallel()
	const module = "github.com/squareoauth/squareoauth"
	seen := map[string]bool{}
	var check func(dir string)
	check = func(dir string) {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				first, _, _ := strings.Cut(path, "/")
				switch {
				case !strings.Contains(first, "."):
					// standard library
				case filepath.Base(name) == "oauth.gen.go":
					t.Errorf("%s imports %s; generated code must need only the standard library", name, path)
				case strings.HasPrefix(path, module+"/internal/"):
					if sub := strings.TrimPrefix(path, module+"/"); !seen[sub] {
						seen[sub] = true
						check(sub)
					}
				case path != "golang.org/x/oauth2":
					t.Errorf("%s imports %s; the library may add only golang.org/x/oauth2", name, path)
				}
			}
		}
	}
	check(".")
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	// The module graph of an application that requires only this module is
	// what go.mod lists: a database driver there would be downloaded by
	// every user, so the vault's drivers stay in vault/go.mod.
	for _, heavy := range []string{"oapi-codegen", "jackc/pgx", "modernc.org/sqlite", "modernc.org/libc"} {
		if strings.Contains(string(gomod), heavy) {
			t.Errorf("go.mod mentions %s; it belongs in a nested module (internal/tools, vault), not the library module", heavy)
		}
	}
}
