package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/steps"
)

// stageScreen names the stage and sets its logging and throttling; it shows the stage
// variables vpclink fills in.
type stageScreen struct {
	c     *Common
	form  *form
	rate  *boundText
	burst *boundText
}

func newStageScreen(c *Common) *stageScreen {
	p := &c.Draft.plan
	s := &stageScreen{c: c, rate: rateText(&p.Stage.Throttling.Rate),
		burst: int32Text(&p.Stage.Throttling.Burst, true, "a number, or empty for no limit")}
	name := func() error { return planCheck(p, "stage.name") }
	rate := s.rate.checkThen("Throttle rate", p, "stage.throttling")
	burst := s.burst.checkThen("Throttle burst", p, "stage.throttling")
	s.form = newForm(c, func() []formField {
		return []formField{
			{label: "Stage name", field: textInput(&p.Stage.Name, ignore(name)), check: name,
				hint: "part of the invoke URL: letters, digits, underscores"},
			{label: "Logging", field: choice(&p.Stage.Logging, options(steps.LoggingLevels...)...),
				hint: "execution logs to CloudWatch; ERROR or INFO need the account's CloudWatch role"},
			{label: "Throttle rate", field: numInput(s.rate, ignore(rate)), check: rate,
				hint: "steady requests per second for the stage; empty: the account's default"},
			{label: "Throttle burst", field: numInput(s.burst, ignore(burst)), check: burst,
				hint: "requests allowed at once; set with the rate"},
		}
	})
	return s
}

func (s *stageScreen) Title() string { return "Stage" }
func (s *stageScreen) Why() string {
	return "A deployment freezes the API's configuration; a stage serves one deployment at its own URL. " +
		"vpclink sets two stage variables: VPCLink (the link's id) and VPCNLB (the NLB's DNS name). The " +
		"integration reads them at request time, so a dev and a prod stage can reach different load balancers " +
		"with the same API. Throttling protects your instances from bursts."
}
func (s *stageScreen) Init() tea.Cmd  { return nil }
func (s *stageScreen) Enter() tea.Cmd { return s.form.rebuild() }

// Typing reports whether a text field has focus.
func (s *stageScreen) Typing() bool { return s.form.Typing() }

func (s *stageScreen) SetSize(w, _ int) { s.form.setWidth(w) }
func (s *stageScreen) Problems() []string {
	if out := s.form.Problems(); len(out) > 0 {
		return out
	}
	return planProblems(s.c.Draft.plan, "stage.")
}
func (s *stageScreen) Warnings() []string { return nil }

func (s *stageScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	return s, s.form.update(msg)
}

func (s *stageScreen) View() string {
	st := s.c.Styles
	d := s.c.Draft
	link, nlb := "the new VPC link's id", "the new NLB's DNS name"
	if d.link != nil {
		link = d.link.ID
	}
	if d.lb != nil {
		nlb = d.lb.DNSName
	}
	var b strings.Builder
	b.WriteString(s.form.view() + "\n\n")
	b.WriteString("Stage variables, filled in by vpclink:\n")
	fmt.Fprintf(&b, "  VPCLink = %s\n", st.Subtle.Render(link))
	fmt.Fprintf(&b, "  VPCNLB  = %s", st.Subtle.Render(nlb))
	return b.String()
}

func (s *stageScreen) ShortHelp() []key.Binding {
	return bindings([]key.Binding{s.form.keys.Field, s.form.keys.Choose})
}
func (s *stageScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
