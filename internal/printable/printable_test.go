package printable

import "testing"

func TestLineAndText(t *testing.T) {
	for _, tt := range []struct{ in, line, text string }{
		{"plain – text", "plain – text", "plain – text"},
		{"a\nb\tc\r", "a?b?c?", "a\nb\tc?"},
		{"\x1b]52;c;cHduZWQ=\x07", "?]52;c;cHduZWQ=?", "?]52;c;cHduZWQ=?"},
		{"\u009b31m", "?31m", "?31m"},                  // C1 CSI
		{"abc\u202edef\u2066", "abc?def?", "abc?def?"}, // bidirectional overrides
	} {
		if got := Line(tt.in); got != tt.line {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.line)
		}
		if got := Text(tt.in); got != tt.text {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.text)
		}
	}
}
