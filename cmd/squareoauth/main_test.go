package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

// A token or code longer than the masked prefix means a secret was printed.
var unmaskedCredential = regexp.MustCompile(`(EAAA|EQAA|sq0cgb-)[A-Za-z0-9_-]{4,}`)

func TestDemoAgainstFake(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, nil, "demo")
	if code != exitOK {
		t.Fatalf("exit %d; stderr: %s", code, errOut)
	}
	for _, step := range []string{"0. Seller consent", "1. ObtainToken (authorization_code)", "2. RetrieveTokenStatus: scopes [MERCHANT_PROFILE_READ PAYMENTS_READ]",
		"3. ObtainToken (refresh_token)", "4. RevokeToken", "5. RetrieveTokenStatus after revoke: squareoauth: 401 Unauthorized: UNAUTHORIZED"} {
		if !strings.Contains(out, step) {
			t.Errorf("output lacks %q:\n%s", step, out)
		}
	}
	if strings.Contains(out+errOut, demoClientSecret) || unmaskedCredential.MatchString(out+errOut) {
		t.Errorf("output shows a secret:\n%s%s", out, errOut)
	}
}

func TestDemoUsageErrors(t *testing.T) {
	t.Parallel()
	full := map[string]string{"SQUARE_CLIENT_ID": "sq0idp-x", "SQUARE_CLIENT_SECRET": "sq0csp-CANARY-secret", "SQUARE_AUTH_CODE": "sq0cgb-CANARY"}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no command", nil, nil, exitUsage, "Usage: squareoauth"},
		{"unknown command", nil, []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"sandbox without credentials", nil, []string{"demo", "--env", "sandbox"}, exitUsage, "is not set"},
		{"plain http remote URL", full, []string{"demo", "--env", "http://example.com"}, exitUsage, "Config.BaseURL"},
		{"stray argument", nil, []string{"demo", "extra"}, exitUsage, `unexpected argument "extra"`},
		{"bad flag", nil, []string{"demo", "--nope"}, exitUsage, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, tt.env, tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.wantCode, tt.wantErr)
			}
			if strings.Contains(out+errOut, "CANARY") {
				t.Errorf("a secret was printed: %s%s", out, errOut)
			}
		})
	}
}

func TestDemoNetworkFailureExitCode(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SQUARE_CLIENT_ID": "sq0idp-x", "SQUARE_CLIENT_SECRET": "sq0csp-CANARY-secret", "SQUARE_AUTH_CODE": "sq0cgb-CANARY"}
	code, out, errOut := runCLI(t, env, "demo", "--env", "http://127.0.0.1:1")
	if code != exitFailure {
		t.Errorf("exit %d; want %d (stderr %q)", code, exitFailure, errOut)
	}
	if strings.Contains(out+errOut, "CANARY") {
		t.Errorf("a secret was printed: %s%s", out, errOut)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	if code, out, _ := runCLI(t, nil, "--help"); code != exitOK || !strings.Contains(out, "demo") {
		t.Errorf("--help: exit %d, output %q", code, out)
	}
	if code, _, errOut := runCLI(t, nil, "demo", "--help"); code != exitOK || !strings.Contains(errOut, "--env") {
		t.Errorf("demo --help: exit %d, output %q", code, errOut)
	}
}
