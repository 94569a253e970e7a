// Package printable shows text that someone else chose (a server's answer,
// a redirect's parameters, a request's path) without letting it act on the
// log or the terminal it is written to.
package printable

import (
	"strings"
	"unicode"
)

// Hazard reports whether a reader of r would act on it rather than show
// it: a C0 or C1 control character (a line break forges a log line; ESC
// starts the sequences that move a terminal's cursor, retitle its window
// or, with OSC 52, write its clipboard), or a Unicode bidirectional control,
// which makes a line read in another order (Unicode TR #9; CVE-2021-42574,
// "Trojan Source").
func Hazard(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// Line returns s with every hazard, line breaks included, shown as '?':
// one line of a log, whatever s holds.
func Line(s string) string {
	return strings.Map(func(r rune) rune {
		if Hazard(r) {
			return '?'
		}
		return r
	}, s)
}

// Text is Line for text of several lines: newlines and tabs are kept.
func Text(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && Hazard(r) {
			return '?'
		}
		return r
	}, s)
}
