package ui

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/vpclink/vpclink/steps"
)

// onScreen is what a terminal width cells wide shows of view: it cuts every longer line.
func onScreen(view string, width int) string {
	lines := strings.Split(view, "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, width, "")
	}
	return strings.Join(lines, "\n")
}

// TestBuildFailureKeepsEveryWord shows a long AWS error on the build screen at three widths:
// every word of it must be on the screen, and no line wider than the terminal.
func TestBuildFailureKeepsEveryWord(t *testing.T) {
	msg := "create VPC link orders-abc123-link: operation error API Gateway: CreateVpcLink, https response error " +
		"StatusCode: 403, RequestID: 6f1c2a7e-3b1d-4c55-9e0a-2b8f5d1c9e47, AccessDeniedException: User: " +
		"arn:aws:iam::123456789012:user/demo is not authorized to perform: apigateway:POST on resource: " +
		"arn:aws:apigateway:us-east-1::/vpclinks because no identity-based policy allows the apigateway:POST action"
	for _, width := range []int{40, 60, 80} {
		t.Run(fmt.Sprintf("width %d", width), func(t *testing.T) {
			e := newEnv(t, "")
			e.init(t)
			j := &steps.Journal{RunID: "orders-abc123", State: steps.StateFailed, Steps: []steps.StepRecord{
				{ID: "create-target-group", Title: "Target group", Status: steps.Done},
				{ID: "create-vpc-link", Title: "VPC link", Status: steps.Failed},
				{ID: "deploy", Title: "Deployment", Status: steps.Pending},
			}}
			b := newBuild(e.w.c, j, false)
			e.w.screens[stageBuild], e.w.stage = b, stageBuild
			e.w.Update(tea.WindowSizeMsg{Width: width, Height: 24})
			b.phase, b.err = phaseFailed, errors.New(msg)
			view := e.w.View()
			for i, line := range strings.Split(view, "\n") {
				if w := ansi.StringWidth(line); w > width {
					t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, w, width, line)
				}
			}
			shown := onScreen(view, width)
			for _, word := range strings.Fields(msg) {
				if ansi.StringWidth(word) <= width && !strings.Contains(shown, word) {
					t.Errorf("the word %q is not on the screen:\n%s", word, shown)
				}
			}
			// Words longer than the screen are broken across lines, never dropped.
			squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if !strings.Contains(squeeze(shown), squeeze(msg)) {
				t.Errorf("the message is not whole on the screen:\n%s", shown)
			}
			golden.RequireEqual(t, []byte(shown))
		})
	}
}

// TestNoColorMarksTheCursorRow turns color off as NO_COLOR does: the row under the cursor
// must still stand out, by a character.
func TestNoColorMarksTheCursorRow(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	e := newEnv(t, "")
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	e.w.c.Styles = NewStyles(r) // NO_COLOR turns the renderer's color off
	e.init(t)
	e.press(t, "enter")
	row := func(name string) string {
		for _, l := range strings.Split(e.w.View(), "\n") {
			if strings.Contains(l, name) && strings.Contains(l, "vpc-") && !strings.Contains(l, "·") {
				return l
			}
		}
		t.Fatalf("no row for %s:\n%s", name, e.w.View())
		return ""
	}
	if v := e.w.View(); ansi.Strip(v) != v {
		t.Fatalf("with NO_COLOR the view has escape codes:\n%q", v)
	}
	if l := row("prod-vpc"); !strings.HasPrefix(l, cursorMark) {
		t.Errorf("the cursor row is not marked: %q", l)
	}
	e.press(t, "down")
	if l := row("staging-vpc"); !strings.HasPrefix(l, cursorMark) {
		t.Errorf("after down, the cursor row is not marked: %q", l)
	}
	if l := row("prod-vpc"); strings.HasPrefix(l, cursorMark) {
		t.Errorf("the row the cursor left is still marked: %q", l)
	}
}

func TestWrapTextBreaksAtSpacesOnly(t *testing.T) {
	tests := map[string]struct {
		text, indent string
		width        int
		want         string
	}{
		"a hyphenated id goes whole to the next line": {text: "There is none in prod-vpc (vpc-02101cd0dd7e51d92) to reuse.", width: 30,
			want: "There is none in prod-vpc\n(vpc-02101cd0dd7e51d92) to\nreuse."},
		"continuation lines are indented": {text: "! orders-api-3 is stopped: it gets traffic only once it runs", indent: "  ", width: 30,
			want: "! orders-api-3 is stopped: it\n  gets traffic only once it\n  runs"},
		"a word longer than the line is broken, not dropped": {text: "see arn:aws:iam::123456789012:user/demo now", width: 20,
			want: "see\narn:aws:iam::1234567\n89012:user/demo now"},
		"a paragraph keeps its leading spaces and blank lines": {text: "  Try: allow it\n\nthen retry", width: 20,
			want: "  Try: allow it\n\nthen retry"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := wrapText(tc.text, tc.width, tc.indent); got != tc.want {
				t.Errorf("wrapText() =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
