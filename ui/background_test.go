package ui

import "testing"

// TestTheBackgroundIsDecidedWithoutAskingTheTerminal covers the decision used when standard
// output is no terminal: $COLORFGBG's background, else dark.
func TestTheBackgroundIsDecidedWithoutAskingTheTerminal(t *testing.T) {
	tests := map[string]struct {
		colorFGBG string
		dark      bool
	}{
		"no COLORFGBG is taken as dark":     {"", true},
		"white on black is dark":            {"15;0", true},
		"black on white is light":           {"0;15", false},
		"black on light grey is light":      {"0;7", false},
		"rxvt's three fields, dark":         {"7;default;0", true},
		"a background that is no color":     {"15;default", true},
		"a background beyond the 16 colors": {"0;231", true},
		"white on blue is dark":             {"15;4", true},
		"the background is the last field":  {"0;0;15", false},
		"a value that is no pair at all":    {"light", true},
	}
	for name, tc := range tests {
		if got := darkBackground(nil, tc.colorFGBG); got != tc.dark {
			t.Errorf("%s: darkBackground(%q) = %v, want %v", name, tc.colorFGBG, got, tc.dark)
		}
	}
}
