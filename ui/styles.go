package ui

import (
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"
)

// Styles are the wizard's looks. Meaning never rests on color alone: marks (✔ ✘ ! ›) and
// words carry it, so NO_COLOR and monochrome terminals lose nothing.
type Styles struct {
	Title    lipgloss.Style
	Subtle   lipgloss.Style
	Selected lipgloss.Style
	Error    lipgloss.Style
	Warning  lipgloss.Style
	Success  lipgloss.Style
	Why      lipgloss.Style
	Label    lipgloss.Style
	Focused  lipgloss.Style
	Plain    lipgloss.Style
}

// NewStyles builds the styles for a renderer; NO_COLOR turns color off.
func NewStyles(r *lipgloss.Renderer) Styles {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		r.SetColorProfile(termenv.Ascii)
	}
	accent := lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#A78BFA"}
	return Styles{
		Title:    r.NewStyle().Bold(true).Foreground(accent),
		Subtle:   r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#6B7280", Dark: "#9CA3AF"}),
		Selected: r.NewStyle().Bold(true).Foreground(accent),
		Error:    r.NewStyle().Bold(true).Foreground(lipgloss.AdaptiveColor{Light: "#B91C1C", Dark: "#F87171"}),
		Warning:  r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#92400E", Dark: "#FBBF24"}),
		Success:  r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#166534", Dark: "#4ADE80"}),
		Why:      r.NewStyle().Italic(true).Foreground(lipgloss.AdaptiveColor{Light: "#374151", Dark: "#D1D5DB"}),
		Label:    r.NewStyle().Width(20),
		Focused:  r.NewStyle().Bold(true).Foreground(accent),
		Plain:    r.NewStyle(),
	}
}

// newRenderer is a renderer for the wizard's terminal that asks the terminal nothing. Left to
// itself, lipgloss asks the terminal for its background color (OSC 11) when an adaptive color
// is first drawn, and a terminal that never answers holds the first frame for termenv's
// timeout of 5 seconds. The background is taken instead from what Bubble Tea's start-up already
// learned of standard output when that is a terminal, else from $COLORFGBG, else dark.
func newRenderer(w *os.File) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w)
	r.SetHasDarkBackground(darkBackground(os.Stdout, os.Getenv("COLORFGBG")))
	return r
}

// darkBackground decides whether the terminal's background is dark without asking it.
// Bubble Tea v1 asks standard output's terminal once as the program starts, before main, and
// lipgloss keeps the answer: reading it costs nothing. $COLORFGBG is "foreground;background"
// in ANSI color numbers, set by rxvt, Konsole and others.
func darkBackground(stdout *os.File, colorFGBG string) bool {
	if stdout != nil && term.IsTerminal(stdout.Fd()) {
		return lipgloss.HasDarkBackground()
	}
	if i := strings.LastIndexByte(colorFGBG, ';'); i >= 0 {
		if bg, err := strconv.Atoi(colorFGBG[i+1:]); err == nil && bg >= 0 && bg <= 15 {
			_, _, l := termenv.ConvertToRGB(termenv.ANSIColor(bg)).Hsl()
			return l < 0.5
		}
	}
	return true
}
