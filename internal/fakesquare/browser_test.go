package fakesquare_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// canaryState is a state value that must never come back in a text answer.
const canaryState = "sq0csp-CANARY-in-state-0002"

// noRedirect is a browser that stops at the first redirect, so a test can
// read where the page sends it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// page is the authorize page's answer.
type page struct {
	status   int
	header   http.Header
	body     string
	location *url.URL
}

// browse opens the authorize page with the raw query string query.
func (f fixture) browse(t *testing.T, method, query string) page {
	t.Helper()
	req, err := http.NewRequest(method, f.url+"/oauth2/authorize?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("authorize page: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("authorize page: reading body: %v", err)
	}
	p := page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
	if loc := resp.Header.Get("Location"); loc != "" {
		if p.location, err = url.Parse(loc); err != nil {
			t.Fatalf("Location %q: %v", loc, err)
		}
	}
	return p
}

// statusScopes returns the merchant and scopes RetrieveTokenStatus reports.
func (f fixture) statusScopes(t *testing.T, access string) (string, []string) {
	t.Helper()
	st := f.status(t, access)
	wantStatus(t, "status", st, http.StatusOK)
	var body struct {
		MerchantID string   `json:"merchant_id"`
		Scopes     []string `json:"scopes"`
	}
	if err := json.Unmarshal(st.raw, &body); err != nil {
		t.Fatal(err)
	}
	return body.MerchantID, body.Scopes
}

func TestAuthorizePage(t *testing.T) {
	t.Parallel()
	const verifier = "browser-verifier-browser-verifier-browser-0001"
	id := "client_id=" + url.QueryEscape(clientID)
	tests := []struct {
		name       string
		registered string // SetRedirectURL; "" leaves it unset
		consent    string // SetConsent; "" leaves the default
		deny       bool
		query      string
		wantPrefix string // the Location starts with this
		wantState  *string
		wantScopes []string // nil: a denial, nothing to exchange
		merchantID string
		pkce       bool
	}{
		{
			name:       "registered redirect keeps its query; state and scopes",
			registered: "https://app.example/cb?x=1",
			query:      id + "&scope=PAYMENTS_READ+ORDERS_READ&state=abc",
			wantPrefix: "https://app.example/cb?x=1&code=sq0cgb-",
			wantState:  ptr("abc"),
			wantScopes: []string{"PAYMENTS_READ", "ORDERS_READ"},
			merchantID: fakesquare.DefaultMerchantID,
		},
		{
			name:       "redirect_uri when none is registered",
			query:      id + "&redirect_uri=" + url.QueryEscape("http://127.0.0.1:8080/back") + "&scope=ITEMS_READ%20PAYMENTS_READ&state=s1",
			wantPrefix: "http://127.0.0.1:8080/back?code=sq0cgb-",
			wantState:  ptr("s1"),
			wantScopes: []string{"ITEMS_READ", "PAYMENTS_READ"},
			merchantID: fakesquare.DefaultMerchantID,
		},
		{
			name:       "no scope means Square's defaults; no state, none echoed",
			registered: "https://app.example/cb",
			query:      id,
			wantPrefix: "https://app.example/cb?code=sq0cgb-",
			wantScopes: []string{"MERCHANT_PROFILE_READ", "PAYMENTS_READ", "SETTLEMENTS_READ", "BANK_ACCOUNTS_READ"},
			merchantID: fakesquare.DefaultMerchantID,
		},
		{
			name:       "session False and a supported locale",
			registered: "https://app.example/cb",
			query:      id + "&scope=CUSTOMERS_WRITE+CUSTOMERS_READ&session=False&locale=ja-JP&state=82201dd8d83d23cc8a48caf52b",
			wantPrefix: "https://app.example/cb?code=sq0cgb-",
			wantState:  ptr("82201dd8d83d23cc8a48caf52b"),
			wantScopes: []string{"CUSTOMERS_WRITE", "CUSTOMERS_READ"},
			merchantID: fakesquare.DefaultMerchantID,
		},
		{
			name:       "state with reserved characters round-trips",
			registered: "https://app.example/cb",
			query:      id + "&scope=ITEMS_READ&session=true&state=" + url.QueryEscape("a b&c=d/é"),
			wantPrefix: "https://app.example/cb?code=sq0cgb-",
			wantState:  ptr("a b&c=d/é"),
			wantScopes: []string{"ITEMS_READ"},
			merchantID: fakesquare.DefaultMerchantID,
		},
		{
			name:       "SetConsent changes the seller",
			registered: "https://app.example/cb",
			consent:    "MLOTHERSELLER9",
			query:      id + "&scope=ITEMS_READ",
			wantPrefix: "https://app.example/cb?code=sq0cgb-",
			wantScopes: []string{"ITEMS_READ"},
			merchantID: "MLOTHERSELLER9",
		},
		{
			name:       "code_challenge makes a PKCE code",
			registered: "https://app.example/cb",
			query:      id + "&scope=ITEMS_READ&code_challenge=" + challenge(verifier) + "&state=p",
			wantPrefix: "https://app.example/cb?code=sq0cgb-",
			wantState:  ptr("p"),
			wantScopes: []string{"ITEMS_READ"},
			merchantID: fakesquare.DefaultMerchantID,
			pkce:       true,
		},
		{
			name:       "DenyConsent redirects with access_denied and the state",
			registered: "https://app.example/cb?x=1",
			deny:       true,
			query:      id + "&scope=ITEMS_READ&state=xyz",
			wantPrefix: "https://app.example/cb?x=1&error=access_denied&error_description=user_denied&state=xyz",
			wantState:  ptr("xyz"),
		},
		{
			name:       "DenyConsent without state",
			registered: "https://app.example/cb",
			deny:       true,
			query:      id,
			wantPrefix: "https://app.example/cb?error=access_denied&error_description=user_denied",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			if tt.registered != "" {
				f.fake.SetRedirectURL(tt.registered)
			}
			if tt.consent != "" {
				f.fake.SetConsent(tt.consent)
			}
			f.fake.DenyConsent(tt.deny)

			p := f.browse(t, http.MethodGet, tt.query)
			if p.status != http.StatusFound {
				t.Fatalf("status got %d; want %d (body %q)", p.status, http.StatusFound, p.body)
			}
			if p.body != "" {
				t.Errorf("body got %q; want none (it would repeat the code)", p.body)
			}
			loc := p.location.String()
			if !strings.HasPrefix(loc, tt.wantPrefix) {
				t.Errorf("Location got %q; want prefix %q", loc, tt.wantPrefix)
			}
			q := p.location.Query()
			if got, want := q.Has("state"), tt.wantState != nil; got != want {
				t.Errorf("state in Location got %v; want %v (%q)", got, want, loc)
			} else if want && q.Get("state") != *tt.wantState {
				t.Errorf("state got %q; want %q", q.Get("state"), *tt.wantState)
			}
			if got := f.fake.Hits("/oauth2/authorize"); got != 1 {
				t.Errorf("Hits got %d; want 1", got)
			}

			if tt.wantScopes == nil {
				if q.Has("code") {
					t.Errorf("denied authorization got code %q; want none", q.Get("code"))
				}
				wantNoViolations(t, f)
				return
			}
			if q.Has("error") {
				t.Errorf("approved authorization got error %q", q.Get("error"))
			}
			body := codeGrant(q.Get("code"))
			// A redirect_uri in the authorize URL must be repeated.
			named, _ := url.ParseQuery(tt.query)
			if uri := named.Get("redirect_uri"); uri != "" {
				body["redirect_uri"] = uri
			}
			if tt.pkce {
				// A PKCE code is not exchanged without its verifier.
				wantError(t, "PKCE code without verifier", f.exchange(t, codeGrant(f.browse(t, http.MethodGet, tt.query).location.Query().Get("code"))),
					http.StatusBadRequest, "MISSING_REQUIRED_PARAMETER", "code_verifier")
				body = map[string]any{"client_id": clientID, "code": q.Get("code"), "code_verifier": verifier, "grant_type": "authorization_code"}
			}
			r := f.exchange(t, body)
			wantStatus(t, "exchange", r, http.StatusOK)
			if got := r.str(t, "merchant_id"); got != tt.merchantID {
				t.Errorf("merchant_id got %q; want %q", got, tt.merchantID)
			}
			if got := r.str(t, "refresh_token_expires_at") != ""; got != tt.pkce {
				t.Errorf("refresh_token_expires_at present got %v; want %v (PKCE)", got, tt.pkce)
			}
			merchant, scopes := f.statusScopes(t, r.str(t, "access_token"))
			if merchant != tt.merchantID {
				t.Errorf("status merchant_id got %q; want %q", merchant, tt.merchantID)
			}
			if !slices.Equal(scopes, tt.wantScopes) {
				t.Errorf("scopes got %q; want %q", scopes, tt.wantScopes)
			}
			wantNoViolations(t, f)
		})
	}
}

func TestAuthorizePageRejects(t *testing.T) {
	t.Parallel()
	id := "client_id=" + url.QueryEscape(clientID) + "&state=" + canaryState
	tests := []struct {
		name       string
		method     string
		registered string
		query      string
		status     int
		text       string
		violation  string
	}{
		{"POST", http.MethodPost, "https://app.example/cb", id,
			405, "method not allowed", "the authorize page is opened with GET"},
		{"no client_id", http.MethodGet, "https://app.example/cb", "state=" + canaryState,
			400, "unknown client_id", "client_id missing"},
		{"someone else's client_id", http.MethodGet, "https://app.example/cb", "client_id=sq0idp-someone-else&state=" + canaryState,
			400, "unknown client_id", "client_id is not the registered application's"},
		{"client secret as client_id", http.MethodGet, "https://app.example/cb", "client_id=" + secret,
			400, "unknown client_id", "client_id is not the registered application's"},
		{"no redirect anywhere", http.MethodGet, "", id,
			400, "no redirect URL: send redirect_uri or register one", "no redirect_uri and no registered redirect URL"},
		{"relative redirect_uri", http.MethodGet, "https://app.example/cb", id + "&redirect_uri=%2Fcb",
			400, "invalid redirect URL", `redirect_uri "/cb" is not an absolute http or https URL`},
		{"empty redirect_uri", http.MethodGet, "https://app.example/cb", id + "&redirect_uri=",
			400, "invalid redirect URL", `redirect_uri "" is not an absolute`},
		{"redirect_uri other than the registered URL", http.MethodGet, "https://app.example/cb", id + "&redirect_uri=" + url.QueryEscape("https://evil.example/cb"),
			400, "redirect_uri does not match the registered redirect URL", `redirect_uri "https://evil.example/cb" is not the registered "https://app.example/cb"`},
		{"plain http redirect_uri to a remote host", http.MethodGet, "", id + "&redirect_uri=" + url.QueryEscape("http://app.example/cb"),
			400, "invalid redirect URL", "is plain http to a host other than loopback"},
		{"ftp redirect_uri", http.MethodGet, "", id + "&redirect_uri=" + url.QueryEscape("ftp://app.example/cb"),
			400, "invalid redirect URL", "is not an absolute http or https URL"},
		{"redirect_uri with a fragment", http.MethodGet, "", id + "&redirect_uri=" + url.QueryEscape("https://app.example/cb#top"),
			400, "invalid redirect URL", "has a fragment"},
		{"registered URL without scheme", http.MethodGet, "app.example/cb", id,
			400, "invalid redirect URL", `the registered redirect URL (SetRedirectURL) "app.example/cb" is not an absolute`},
		{"registered URL without host", http.MethodGet, "https:///cb", id,
			400, "invalid redirect URL", "has no host"},
		{"unsupported locale", http.MethodGet, "https://app.example/cb", id + "&locale=en-GB",
			400, "unsupported locale", `locale "en-GB" is not one of en-IE, en-US, en-CA, es-US, fr-CA, ja-JP`},
		{"empty locale", http.MethodGet, "https://app.example/cb", id + "&locale=",
			400, "unsupported locale", `locale ""`},
		{"session not a boolean", http.MethodGet, "https://app.example/cb", id + "&session=yes",
			400, "session must be true or false", `session "yes" is not true or false`},
		{"empty code_challenge", http.MethodGet, "https://app.example/cb", id + "&code_challenge=",
			400, "malformed code_challenge", "code_challenge is not 43 to 128 characters"},
		{"code_challenge in standard base64", http.MethodGet, "https://app.example/cb",
			id + "&code_challenge=" + url.QueryEscape("n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="),
			400, "malformed code_challenge", "base64url without padding"},
		{"repeated state", http.MethodGet, "https://app.example/cb", id + "&state=again",
			400, "repeated parameter", "state sent 2 times"},
		{"malformed query", http.MethodGet, "https://app.example/cb", id + "&scope=%zz",
			400, "malformed query string", "query string is not valid URL encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			if tt.registered != "" {
				f.fake.SetRedirectURL(tt.registered)
			}
			p := f.browse(t, tt.method, tt.query)
			if p.status != tt.status {
				t.Errorf("status got %d; want %d", p.status, tt.status)
			}
			if got := p.header.Get("Content-Type"); !strings.HasPrefix(got, "text/plain") {
				t.Errorf("Content-Type got %q; want text/plain", got)
			}
			if got := strings.TrimSpace(p.body); got != tt.text {
				t.Errorf("body got %q; want %q", got, tt.text)
			}
			for _, s := range []string{secret, canaryState, "sq0idp-someone-else"} {
				if strings.Contains(p.body, s) {
					t.Errorf("body %q quotes a request value %q", p.body, s)
				}
			}
			if p.location != nil {
				t.Errorf("Location got %q; want none", p.location)
			}
			if tt.status == http.StatusMethodNotAllowed {
				if got := p.header.Get("Allow"); got != http.MethodGet {
					t.Errorf("Allow got %q; want %q", got, http.MethodGet)
				}
			}
			v := f.fake.Violations()
			if !slices.ContainsFunc(v, func(s string) bool { return strings.Contains(s, tt.violation) }) {
				t.Errorf("violations got %q; want one containing %q", v, tt.violation)
			}
			for _, s := range v {
				if strings.Contains(s, secret) || strings.Contains(s, canaryState) {
					t.Errorf("violation %q quotes a credential or the state", s)
				}
			}
			reqs := f.fake.Requests()
			if len(reqs) != 1 || reqs[0].Method != tt.method || reqs[0].Path != "/oauth2/authorize" {
				t.Errorf("Requests got %d (first %+v); want one %s /oauth2/authorize", len(reqs), reqs, tt.method)
			}
		})
	}
}

func TestAuthorizePageFault(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.fake.SetRedirectURL("https://app.example/cb")
	f.fake.InjectFault("/oauth2/authorize", fakesquare.Fault{Status: 503, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<html>down</html>")})
	query := "client_id=" + url.QueryEscape(clientID)
	if p := f.browse(t, http.MethodGet, query); p.status != 503 || p.body != "<html>down</html>" {
		t.Errorf("faulted page got %d %q; want 503 %q", p.status, p.body, "<html>down</html>")
	}
	if p := f.browse(t, http.MethodGet, query); p.status != http.StatusFound {
		t.Errorf("page after the fault got %d; want %d", p.status, http.StatusFound)
	}
	if got := f.fake.Hits("/oauth2/authorize"); got != 2 {
		t.Errorf("Hits got %d; want 2", got)
	}
	wantNoViolations(t, f)
}

func TestSetConsentEmptyRestoresDefault(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.fake.SetRedirectURL("https://app.example/cb")
	f.fake.SetConsent("MLOTHERSELLER9")
	f.fake.SetConsent("")
	p := f.browse(t, http.MethodGet, "client_id="+url.QueryEscape(clientID))
	r := f.exchange(t, codeGrant(p.location.Query().Get("code")))
	wantStatus(t, "exchange", r, http.StatusOK)
	if got := r.str(t, "merchant_id"); got != fakesquare.DefaultMerchantID {
		t.Errorf("merchant_id got %q; want %q", got, fakesquare.DefaultMerchantID)
	}
	wantNoViolations(t, f)
}

func ptr[T any](v T) *T { return &v }

// TestCodeExchangeRepeatsRedirectURI: a code issued for an authorize URL
// that named a redirect_uri is exchanged only with that same redirect_uri.
func TestCodeExchangeRepeatsRedirectURI(t *testing.T) {
	t.Parallel()
	const uri = "https://app.example/cb"
	f := setup(t)
	code := func() string {
		p := f.browse(t, http.MethodGet, "client_id="+url.QueryEscape(clientID)+"&redirect_uri="+url.QueryEscape(uri))
		return p.location.Query().Get("code")
	}
	wantError(t, "without redirect_uri", f.exchange(t, codeGrant(code())),
		http.StatusBadRequest, "MISSING_REQUIRED_PARAMETER", "redirect_uri")
	other := codeGrant(code())
	other["redirect_uri"] = uri + "/other"
	wantError(t, "another redirect_uri", f.exchange(t, other), http.StatusBadRequest, "BAD_REQUEST", "redirect_uri")
	same := codeGrant(code())
	same["redirect_uri"] = uri
	wantStatus(t, "the same redirect_uri", f.exchange(t, same), http.StatusOK)
}
