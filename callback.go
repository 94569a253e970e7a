package squareoauth

import (
	"crypto/subtle"
	"net/url"
)

// ParseCallback checks the query of the redirect from Square's authorization
// page and returns the authorization code. expectedState is the State the
// authorization started with, kept in the user's session; it is compared in
// constant time, and an empty state never matches, so a forged or replayed
// redirect is refused. A seller's refusal or a Square error is a
// *CallbackError, unless the redirect carries a state that does not match:
// that is forged too. (A refusal without any state is believed: it can
// only end an authorization, never complete one.) A missing or mismatched
// state or a missing code is an *InputError. No error quotes the code or
// the state.
func ParseCallback(query url.Values, expectedState string) (code string, err error) {
	state := query.Get("state")
	stateOK := state != "" && expectedState != "" &&
		subtle.ConstantTimeCompare([]byte(state), []byte(expectedState)) == 1
	if e := query.Get("error"); e != "" && (stateOK || state == "") {
		return "", &CallbackError{Code: e, Description: query.Get("error_description")}
	}
	switch {
	case state == "":
		return "", inputErr("callback state", "is missing")
	case !stateOK:
		return "", inputErr("callback state", "does not match the state the authorization started with")
	}
	code = query.Get("code")
	if code == "" {
		return "", inputErr("callback code", "is missing")
	}
	return code, nil
}
