package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/steps"
)

// stageScreen names the stage and sets its logging and throttling; it shows the stage
// variables vpclink fills in.
type stageScreen struct {
	c       *Common
	form    *form
	name    *field
	logging *field
	rate    *field
	burst   *field
}

func numberField(label, value, hint string) *field {
	return textField(label, value, hint, func(v string) error {
		if v == "" {
			return nil
		}
		if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 {
			return errors.New("a number, or empty for no limit")
		}
		return nil
	})
}

func newStageScreen(c *Common) *stageScreen {
	p := c.Draft.plan
	s := &stageScreen{c: c}
	s.name = textField("Stage name", p.Stage.Name, "part of the invoke URL: letters, digits, underscores", nil)
	s.logging = choiceField("Logging", steps.LoggingLevels, p.Stage.Logging, "execution logs to CloudWatch; ERROR or INFO need the account's CloudWatch role")
	s.rate = numberField("Throttle rate", "", "steady requests per second for the stage; empty: the account's default")
	s.burst = numberField("Throttle burst", "", "requests allowed at once; set with the rate")
	s.form = newForm(c, s.name, s.logging, s.rate, s.burst)
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
func (s *stageScreen) Enter() tea.Cmd { s.save(); return nil }

func (s *stageScreen) save() {
	p := &s.c.Draft.plan
	p.Stage.Name = s.name.Value()
	p.Stage.Logging = s.logging.Value()
	rate, _ := strconv.ParseFloat(s.rate.Value(), 64)
	p.Stage.Throttling = steps.ThrottlingPlan{Rate: rate, Burst: atoi32(s.burst.Value())}
}

func (s *stageScreen) SetSize(int, int) {}
func (s *stageScreen) Problems() []string {
	if out := s.form.Problems(); len(out) > 0 {
		return out
	}
	return planProblems(s.c.Draft.plan, "stage.")
}
func (s *stageScreen) Warnings() []string { return nil }

func (s *stageScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd, changed := s.form.update(msg)
	if changed {
		s.save()
	}
	return s, cmd
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
