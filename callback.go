package squareoauth

import (
	"crypto/subtle"
	"net/url"
)

// CallbackError reports that Square redirected back with an error instead of
// a code, for instance Code "access_denied" and Description "user_denied"
// when the seller declined.
type CallbackError struct {
	// Code is the redirect's error parameter.
	Code string
	// Description is its error_description parameter.
	Description string
}

// Error implements error.
func (e *CallbackError) Error() string {
	s := "squareoauth: authorization failed: " + e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// ParseCallback checks the query of the redirect from Square's authorization
// page and returns the authorization code. expectedState is the State the
// authorization started with, kept in the user's session; it is compared in
// constant time, and an empty state never matches, so a forged or replayed
// redirect is refused. A seller's refusal or a Square error is a
// *CallbackError; a missing or mismatched state or a missing code is an
// *InputError. No error quotes the code or the state.
func ParseCallback(query url.Values, expectedState string) (code string, err error) {
	if e := query.Get("error"); e != "" {
		return "", &CallbackError{Code: e, Description: query.Get("error_description")}
	}
	state := query.Get("state")
	switch {
	case state == "":
		return "", inputErr("callback state", "is missing")
	case expectedState == "" || subtle.ConstantTimeCompare([]byte(state), []byte(expectedState)) != 1:
		return "", inputErr("callback state", "does not match the state the authorization started with")
	}
	code = query.Get("code")
	if code == "" {
		return "", inputErr("callback code", "is missing")
	}
	return code, nil
}
