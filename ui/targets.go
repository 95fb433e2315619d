package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/awsops"
)

// targetPicker chooses the instances behind the load balancer.
type targetPicker struct {
	c    *Common
	list *picker
	vpc  string
}

func newTargetPicker(c *Common) *targetPicker {
	t := &targetPicker{c: c, list: newPicker(c, "instances", true,
		table.Column{Title: "Name", Width: 17}, table.Column{Title: "Instance id", Width: 19}, table.Column{Title: "State", Width: 7},
		table.Column{Title: "Private IP", Width: 11}, table.Column{Title: "AZ", Width: 10}, table.Column{Title: "Groups", Width: 20})}
	t.list.shrink = []int{5, 0}
	t.list.empty = func() string {
		return fmt.Sprintf("There are no instances in %s. The load balancer needs instances in the same VPC: press esc to go back and choose another VPC.", vpcName(c.Draft.vpc))
	}
	return t
}

// Escape clears the filter before esc means back.
func (t *targetPicker) Escape() bool { return t.list.clearFilter() }

// likely returns the instance the cursor starts on: the first that runs in a private
// subnet of a chosen zone, the likeliest to be the service; else the first that runs in a
// chosen zone.
func (t *targetPicker) likely(d *vpcData) string {
	public := map[string]bool{}
	for _, s := range d.subnets {
		public[s.ID] = s.Public
	}
	first := ""
	for _, in := range d.instances {
		if in.State != "running" || !t.covered(in) {
			continue
		}
		if !public[in.SubnetID] {
			return in.ID
		}
		if first == "" {
			first = in.ID
		}
	}
	return first
}

func (t *targetPicker) Title() string { return "Targets" }
func (t *targetPicker) Why() string {
	return "The instances are registered with the NLB's target group; the NLB sends each request to a " +
		"healthy one. An instance only gets traffic when it runs and sits in a zone where the NLB has a " +
		"subnet; those that do not are marked with !. A stopped instance may be registered and starts getting " +
		"traffic once it runs and passes its health checks."
}
func (t *targetPicker) Init() tea.Cmd { return nil }

// covered reports whether a chosen subnet (or the adopted load balancer) is in the
// instance's zone.
func (t *targetPicker) covered(in awsops.Instance) bool {
	if lb := t.c.Draft.lb; lb != nil {
		return slices.Contains(lb.AZs, in.AZ)
	}
	for _, s := range t.c.Draft.subnets {
		if s.AZ == in.AZ {
			return true
		}
	}
	return false
}

func (t *targetPicker) Enter() tea.Cmd { return vpcLoader{t.c, t.list}.enter(t.fill) }

func (t *targetPicker) fill(d *vpcData) {
	fresh := t.vpc != t.c.Draft.vpc.ID
	if fresh {
		t.vpc = t.c.Draft.vpc.ID
		t.list.selected = map[string]bool{}
		t.list.filter.SetValue("") // a filter typed for another VPC's instances
	}
	var rows []pickerRow
	for _, in := range d.instances {
		mark := ""
		if in.State != "running" || !t.covered(in) {
			mark = "!"
		}
		rows = append(rows, pickerRow{ID: in.ID, Mark: mark, Cells: []string{nameOr(in.Name, "(no name)"), in.ID, in.State, in.PrivateIP, in.AZ, strings.Join(groupNames(d, in.SecurityGroups), ",")}})
	}
	t.list.req = t.c.NextReq()
	t.list.setRows(t.list.req, rows, nil)
	for _, in := range t.c.Draft.instances {
		t.list.selected[in.ID] = true
	}
	t.list.render()
	if fresh {
		t.list.choose(t.likely(d))
	}
	t.save()
}

func groupNames(d *vpcData, ids []string) []string {
	var out []string
	for _, id := range ids {
		name := id
		for _, g := range d.groups {
			if g.ID == id {
				name = g.Name
			}
		}
		out = append(out, name)
	}
	return out
}

func (t *targetPicker) save() {
	d := t.c.Data.byVPC[t.c.Draft.vpc.ID]
	if d == nil {
		return
	}
	t.c.Draft.instances, t.c.Draft.plan.Targets.Instances = nil, nil
	for _, in := range d.instances {
		if t.list.selected[in.ID] {
			t.c.Draft.instances = append(t.c.Draft.instances, in)
			t.c.Draft.plan.Targets.Instances = append(t.c.Draft.plan.Targets.Instances, in.ID)
		}
	}
}

func (t *targetPicker) SetSize(w, h int) { t.list.setSize(w, h) }

func (t *targetPicker) Problems() []string {
	if t.list.loading || t.list.err != nil {
		return []string{"the instances are not loaded yet"}
	}
	if len(t.c.Draft.instances) == 0 {
		return []string{"select at least one instance with space"}
	}
	for _, in := range t.c.Draft.instances {
		if in.State == "running" && t.covered(in) {
			return nil
		}
	}
	return []string{"no selected instance runs in a zone of the chosen subnets, so none could become healthy"}
}

func (t *targetPicker) Warnings() []string {
	var out []string
	for _, in := range t.c.Draft.instances {
		switch {
		case in.State != "running":
			out = append(out, fmt.Sprintf("%s is %s: it gets traffic only once it runs", nameOr(in.Name, in.ID), in.State))
		case !t.covered(in):
			out = append(out, fmt.Sprintf("%s is in %s, where no chosen subnet is: the NLB will not send it traffic", nameOr(in.Name, in.ID), in.AZ))
		}
	}
	return out
}

func (t *targetPicker) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := (vpcLoader{t.c, t.list}).update(msg, t.fill); ok {
		return t, cmd
	}
	cmd, changed := t.list.update(msg)
	if changed {
		t.save()
	}
	return t, cmd
}

func (t *targetPicker) View() string { return t.list.view() }

func (t *targetPicker) ShortHelp() []key.Binding {
	return bindings([]key.Binding{t.list.keys.Toggle, t.list.keys.Up, t.list.keys.Clear, t.list.keys.Retry})
}
func (t *targetPicker) FullHelp() [][]key.Binding {
	return [][]key.Binding{bindings([]key.Binding{t.list.keys.Toggle, t.list.keys.All, t.list.keys.Up, t.list.keys.PgUp, t.list.keys.Clear, t.list.keys.Retry})}
}
