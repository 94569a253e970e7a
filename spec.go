package squareoauth

import (
	"bytes"
	_ "embed" // for the OpenAPI document
)

//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPISpec returns a copy of the OpenAPI 3.0 document (openapi.yaml) this
// package was generated from. Test doubles use it to validate traffic; the
// linker drops it from programs that never call it.
func OpenAPISpec() []byte { return bytes.Clone(openapiYAML) }
