package ui

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// Screen is one step of the wizard: a model with its own keys, that can be resized.
type Screen interface {
	tea.Model
	help.KeyMap
	SetSize(width, height int)
	// Title names the screen in the header.
	Title() string
	// Why is the paragraph that explains the AWS concept behind the screen.
	Why() string
	// Enter is called each time the screen becomes active; it may start loading data.
	Enter() tea.Cmd
	// Problems are what blocks advancing; Warnings are shown but do not block.
	Problems() []string
	Warnings() []string
}

// Common is what every screen shares.
type Common struct {
	Width, Height int
	Styles        Styles
	Keys          globalKeys
	// Ctx ends when the wizard does; work that outlives a screen (prefetch, runs) uses it.
	Ctx context.Context
	// ScreenCtx ends when the user leaves the active screen: its loads stop with it.
	ScreenCtx    context.Context
	cancelScreen context.CancelFunc
	Account      *awsops.Account
	Store        *steps.Store
	Demo         bool
	Profile      string
	Flags        string
	// Data is what has been loaded so far, shared by the screens.
	Data *cache
	// Draft is the plan as the user builds it.
	Draft *draft
	// open connects to another profile or region.
	open    func(profile, region string) (*awsops.Account, error)
	nextReq int
}

// escaper is a screen that may use esc itself before it means "back", e.g. to clear a
// filter; Escape reports whether it did.
type escaper interface {
	Escape() bool
}

// capturer is a screen that is taking text input, so enter and esc are its own.
type capturer interface {
	Capturing() bool
}

// typer is a screen whose focused field takes text: printable keys, ? among them, are the
// field's; enter and esc stay the wizard's.
type typer interface {
	Typing() bool
}

// NextReq returns a fresh request id, so that screens can drop stale results.
func (c *Common) NextReq() int {
	c.nextReq++
	return c.nextReq
}

// Messages between the screens and the wizard.
type (
	nextScreenMsg struct{}
	prevScreenMsg struct{}
	errMsg        struct{ err error }
	// resumeMsg asks the wizard to open the build screen on a saved run, which runner holds.
	resumeMsg struct {
		journal *steps.Journal
		runner  *steps.Runner
	}
	// startBuildMsg asks the wizard to open the build screen on a new run, which runner holds.
	startBuildMsg struct {
		journal *steps.Journal
		runner  *steps.Runner
	}
	// doneMsg asks the wizard to show the done screen.
	doneMsg struct{ journal *steps.Journal }
	// accountMsg says the welcome screen switched profile or region.
	accountMsg struct {
		account *awsops.Account
		profile string
	}
)

func cmdOf(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// bindings joins key groups for help, skipping disabled keys.
func bindings(groups ...[]key.Binding) []key.Binding {
	var out []key.Binding
	for _, g := range groups {
		for _, b := range g {
			if b.Enabled() {
				out = append(out, b)
			}
		}
	}
	return out
}

// para renders prose wrapped to the screen's width, at spaces only: ids and names with
// hyphens stay whole.
func (c *Common) para(text string) string {
	return c.Styles.Plain.Width(max(c.Width, 20)).Render(wrapText(text, max(c.Width, 20), ""))
}

// field renders a labelled line; a value too long for the screen goes on under its label,
// never cut.
func (c *Common) field(label, value string) string {
	lines := strings.Split(wrapText(value, cmp.Or(c.Width, 80)-21, ""), "\n")
	return c.Styles.Label.Render(label) + " " + strings.Join(lines, "\n"+strings.Repeat(" ", 21)) + "\n"
}

// wrapText wraps text to width cells, never dropping a word. It breaks lines at spaces
// only, not at the hyphens of ids, ARNs and region names, so they stay whole and can be
// copied; only a word longer than a line is broken across lines. Lines after the first
// start with indent. Widths are measured in cells, escape codes aside.
func wrapText(text string, width int, indent string) string {
	width = max(width, 20)
	var out []string
	for _, para := range strings.Split(text, "\n") {
		// A paragraph's own leading spaces stay: they indent it.
		lead := para[:len(para)-len(strings.TrimLeft(para, " "))]
		line, room := lead, width-len(lead)
		flush := func() {
			out = append(out, line)
			line, room = indent, width-ansi.StringWidth(indent)
		}
		for _, word := range strings.Fields(para) {
			w := ansi.StringWidth(word)
			switch {
			case line != "" && line != indent && line != lead && w+1 <= room:
				line += " " + word
				room -= w + 1
				continue
			case line != "" && line != indent && line != lead:
				flush()
			}
			if w > room {
				parts := strings.Split(ansi.Hardwrap(word, room, false), "\n")
				for _, p := range parts[:len(parts)-1] {
					line += p
					flush()
				}
				word, w = parts[len(parts)-1], ansi.StringWidth(parts[len(parts)-1])
			}
			line += word
			room -= w
		}
		out = append(out, line)
		if len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" && para != "" {
			out = out[:len(out)-1]
		}
	}
	return strings.Join(out, "\n")
}

// awsRegions are the region names AWS's endpoint rules know, by partition (from the SDK's
// partitions.json): a region typed on the welcome screen must be one of them.
var awsRegions = []string{
	// aws
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
	"eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1", "me-central-1", "me-south-1", "me-west-1", "mx-central-1", "sa-east-1", "sa-west-1",
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	// aws-cn, aws-eusc, aws-us-gov, and the isolated partitions
	"cn-north-1", "cn-northwest-1", "eusc-de-east-1", "us-gov-east-1", "us-gov-west-1",
	"us-iso-east-1", "us-iso-west-1", "us-isob-east-1", "us-isob-west-1", "eu-isoe-west-1",
	"us-isof-east-1", "us-isof-south-1",
}

// checkRegion returns an error that says what to type when name is not an AWS region.
func checkRegion(name string) error {
	if slices.Contains(awsRegions, name) {
		return nil
	}
	return fmt.Errorf("%q is not an AWS region: type a region name such as us-east-1 or eu-west-1", name)
}

// wrapHelp wraps a line of key help between its items, so that no key is cut off.
func wrapHelp(view string, width int) string {
	if width <= 0 || ansi.StringWidth(view) <= width {
		return view
	}
	items := strings.Split(view, "•")
	var lines []string
	line := items[0]
	for _, it := range items[1:] {
		if ansi.StringWidth(line+"•"+it) > width {
			lines = append(lines, strings.TrimRight(line, " "))
			line = strings.TrimLeft(it, " ")
			continue
		}
		line += "•" + it
	}
	return strings.Join(append(lines, line), "\n")
}
