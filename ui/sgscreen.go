package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/vpclink/vpclink/steps"
)

const (
	sgByIPs  = "NLB private IPs"
	sgByCIDR = "VPC CIDR"
)

// sgScreen chooses how the instances' security groups admit the NLB, and shows the rules.
type sgScreen struct {
	c    *Common
	form *form
}

func newSGScreen(c *Common) *sgScreen {
	s := &sgScreen{c: c}
	p := &c.Draft.plan
	s.form = newForm(c, func() []formField {
		return []formField{{label: "Admit the NLB by", field: choice(&p.SecurityGroups.Mode,
			huh.NewOption(sgByIPs, steps.ModeNLBIPs), huh.NewOption(sgByCIDR, steps.ModeVPCCIDR)),
			hint: "its IPs: one /32 rule each, the tightest; the VPC CIDR admits every host in the VPC"}}
	})
	return s
}

func (s *sgScreen) Title() string { return "Security groups" }
func (s *sgScreen) Why() string {
	return "vpclink creates the NLB without security groups, so it filters nothing: the instances' groups must " +
		"let the NLB in, on the target port and the health-check port, or every target stays unhealthy. " +
		"Traffic through the VPC link comes from the NLB's private IPs, never the caller's. Admitting only " +
		"those IPs is the tightest rule; the VPC CIDR is simpler but admits every host in the VPC. vpclink " +
		"never opens a group to 0.0.0.0/0, and removes its rules on rollback."
}
func (s *sgScreen) Init() tea.Cmd { return nil }

// Enter builds the form, and for a finish loads the VPC's groups for the rules.
func (s *sgScreen) Enter() tea.Cmd {
	cmd := s.form.rebuild()
	// A finish that adopts the load balancer comes here without the Subnets and Targets
	// screens, which load the VPC's groups: load them for the rules.
	vpc := s.c.Draft.vpc.ID
	if _, ok := s.c.Data.byVPC[vpc]; !ok && s.c.Draft.adopted != nil && !s.c.Data.loading[vpc] {
		s.c.Data.loading[vpc] = true
		known, ok := s.c.Data.subnets[vpc]
		cmd = tea.Batch(cmd, loadVPCDataCmd(s.c.ScreenCtx, s.c.Account, vpc, known, ok, s.c.NextReq()))
	}
	return cmd
}

func (s *sgScreen) SetSize(w, _ int)          { s.form.setWidth(w) }
func (s *sgScreen) Problems() []string        { return nil }
func (s *sgScreen) Warnings() []string        { return nil }
func (s *sgScreen) ShortHelp() []key.Binding  { return bindings([]key.Binding{s.form.keys.Choose}) }
func (s *sgScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

func (s *sgScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	return s, s.form.update(msg)
}

// sources are where the NLB's traffic comes from. Before the NLB exists its addresses are
// unknown, so each chosen subnet's CIDR stands for "the NLB's address in this subnet".
func (s *sgScreen) sources() []string {
	d := s.c.Draft
	if d.plan.SecurityGroups.Mode == steps.ModeVPCCIDR {
		return []string{d.vpc.CIDR}
	}
	var out []string
	for _, sn := range d.subnets {
		out = append(out, sn.CIDR)
	}
	if d.lb != nil && s.c.Data.byVPC[d.vpc.ID] != nil {
		// An adopted load balancer: its subnets stand for its addresses alike.
		for _, sn := range s.c.Data.byVPC[d.vpc.ID].subnets {
			if slices.Contains(d.lb.Subnets, sn.ID) {
				out = append(out, sn.CIDR)
			}
		}
	}
	return out
}

func (s *sgScreen) View() string {
	st := s.c.Styles
	d := s.c.Draft
	data := s.c.Data.byVPC[d.vpc.ID]
	var b strings.Builder
	b.WriteString(s.form.view() + "\n\n")
	if data == nil {
		return b.String()
	}
	rules := steps.IngressRules(d.instances, data.groups, s.sources(), steps.IngressPorts(&d.plan), "")
	if len(rules) == 0 {
		b.WriteString(st.Success.Render("✔ The instances' security groups already admit the NLB: no rule will be added."))
		return b.String()
	}
	b.WriteString(wrapText("Ingress rules to add (removed again on rollback or destroy):", s.c.Width, "") + "\n")
	for _, r := range rules {
		from := r.CIDR
		if d.plan.SecurityGroups.Mode == steps.ModeNLBIPs {
			from = "NLB IP in " + r.CIDR
		}
		group := r.GroupID
		for _, g := range data.groups {
			if g.ID == r.GroupID {
				group = g.Name + " (" + g.ID + ")"
			}
		}
		b.WriteString(wrapText(fmt.Sprintf("  + %s tcp/%d from %s", group, r.FromPort, from), s.c.Width, "    ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
