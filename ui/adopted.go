package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// adoptedNote is what every screen of an adopted resource says.
const adoptedNote = "adopted: exists already; vpclink leaves it as it is"

// adoptedScreen stands in for a setup screen whose resource a finish adopts: it shows the
// resource, read-only, and has no input.
type adoptedScreen struct {
	c     *Common
	title string
	why   string
	// rows are the label and value lines that describe the resource.
	rows func() [][2]string
}

// adoptedScreens are the screens a draft that finishes a finding shows in place of the
// VPC, Subnets, Load balancer, VPC link and API screens, for what it adopts.
func adoptedScreens(c *Common) map[stage]Screen {
	d := c.Draft
	if d.adopted == nil {
		return nil
	}
	out := map[stage]Screen{}
	why := func(what string) string {
		return "This setup finishes " + d.adopted.finding.ID + ", a chain found in " + c.Account.Region + ": " + what +
			" exists already, so vpclink adopts it as it is. It changes nothing of it, and a destroy of the run " +
			"leaves it (unless told --include-adopted). Press esc on the first screen to go back to Welcome."
	}
	out[stageVPC] = &adoptedScreen{c: c, title: "VPC", why: why("the VPC"), rows: func() [][2]string {
		return [][2]string{{"VPC", vpcLabel(d.vpc)}}
	}}
	if lb := d.lb; lb != nil {
		out[stageSubnets] = &adoptedScreen{c: c, title: "Subnets", why: why("the load balancer, in its subnets,"), rows: func() [][2]string {
			var rows [][2]string
			for i, id := range lb.Subnets {
				label := ""
				if i == 0 {
					label = "Subnets"
				}
				name := id
				for _, s := range c.Data.subnets[lb.VPCID] {
					if s.ID == id && s.Name != "" {
						name = s.Name + " (" + id + ")"
					}
				}
				if i < len(lb.AZs) {
					name += " in " + lb.AZs[i]
				}
				rows = append(rows, [2]string{label, name})
			}
			if len(rows) == 0 {
				rows = append(rows, [2]string{"Subnets", "those of load balancer " + lb.Name})
			}
			return rows
		}}
		out[stageLoadBalancer] = &adoptedScreen{c: c, title: "Load balancer", why: why("the load balancer, with its listeners, target groups and targets,"), rows: func() [][2]string {
			rows := [][2]string{{"Load balancer", lb.Name + " (" + lb.State + ")"}, {"DNS name", lb.DNSName}}
			if n := d.adopted.finding.Exists.LoadBalancer; n != nil {
				rows = append(rows, [2]string{"Listeners", "TCP " + ports(n.Listeners)})
				if len(n.TargetGroups) > 0 {
					rows = append(rows, [2]string{"Target groups", strings.Join(n.TargetGroups, ", ")})
				}
				for i, t := range n.Targets {
					label := ""
					if i == 0 {
						label = "Targets"
					}
					rows = append(rows, [2]string{label, fmt.Sprintf("%s:%d %s", t.ID, t.Port, t.State)})
				}
			}
			return rows
		}}
	}
	if l := d.link; l != nil {
		out[stageVPCLink] = &adoptedScreen{c: c, title: "VPC link", why: why("the VPC link"), rows: func() [][2]string {
			return [][2]string{{"VPC link", l.ID + " (" + l.Name + "), " + l.Status}}
		}}
	}
	if a := d.api; a != nil {
		out[stageAPI] = &adoptedScreen{c: c, title: "API", why: why("the REST API, with its resources and methods,"), rows: func() [][2]string {
			rows := [][2]string{{"REST API", a.Name + " (" + a.ID + ")"}}
			for _, fa := range d.adopted.finding.Exists.APIs {
				if fa.ID != a.ID {
					continue
				}
				methods := strings.Join(fa.Methods, " ")
				if methods == "" {
					methods = "no methods"
				}
				rows = append(rows, [2]string{"/{proxy+}", methods + ", through " + fa.Via})
				for i, st := range fa.Stages {
					label := ""
					if i == 0 {
						label = "Stages"
					}
					vars := "no variables"
					if len(st.Variables) > 0 {
						vars = strings.Join(slices.Sorted(maps.Keys(st.Variables)), ", ")
					}
					rows = append(rows, [2]string{label, st.Name + " → deployment " + st.Deployment + ", " + vars})
				}
			}
			return rows
		}}
	}
	return out
}

func (a *adoptedScreen) Title() string  { return a.title }
func (a *adoptedScreen) Why() string    { return a.why }
func (a *adoptedScreen) Init() tea.Cmd  { return nil }
func (a *adoptedScreen) Enter() tea.Cmd { return nil }

func (a *adoptedScreen) SetSize(int, int)          {}
func (a *adoptedScreen) Problems() []string        { return nil }
func (a *adoptedScreen) Warnings() []string        { return nil }
func (a *adoptedScreen) ShortHelp() []key.Binding  { return nil }
func (a *adoptedScreen) FullHelp() [][]key.Binding { return nil }

func (a *adoptedScreen) Update(tea.Msg) (tea.Model, tea.Cmd) { return a, nil }

// View lists the resource, a value too long for the line going on under its label, then
// says that it is adopted.
func (a *adoptedScreen) View() string {
	s := a.c.Styles
	var b strings.Builder
	for _, r := range a.rows() {
		b.WriteString(a.c.field(r[0], r[1]))
	}
	b.WriteString("\n" + s.Success.Render("✔ "+adoptedNote) + "\n")
	b.WriteString("\n" + s.Subtle.Render(a.c.para("This setup finishes "+a.c.Draft.adopted.finding.ID+"; press enter to go on.")))
	return b.String()
}
