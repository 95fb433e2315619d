package ui

import (
	"os"

	"github.com/charmbracelet/lipgloss"
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
