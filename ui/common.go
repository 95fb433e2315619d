package ui

import (
	"context"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

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

// capturer is a screen that is taking text input, so enter and esc are its own.
type capturer interface {
	Capturing() bool
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

// para renders prose wrapped to the screen's width.
func (c *Common) para(text string) string {
	return c.Styles.Plain.Width(max(c.Width, 20)).Render(text)
}
