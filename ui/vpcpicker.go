package ui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/awsops"
)

// vpcPicker lists the region's VPCs.
type vpcPicker struct {
	c    *Common
	list *picker
}

func newVPCPicker(c *Common) *vpcPicker {
	return &vpcPicker{c: c, list: newPicker(c, "VPCs", false,
		table.Column{Title: "Name", Width: 18}, table.Column{Title: "VPC id", Width: 21},
		table.Column{Title: "CIDR", Width: 15}, table.Column{Title: "Default", Width: 7}, table.Column{Title: "Subnets", Width: 7})}
}

func (v *vpcPicker) Title() string { return "VPC" }
func (v *vpcPicker) Why() string {
	return "A VPC is your private network in AWS. The Network Load Balancer and the instances it sends " +
		"traffic to must be in the same VPC. Choose the VPC where your service's instances run."
}
func (v *vpcPicker) Init() tea.Cmd { return nil }

func (v *vpcPicker) Enter() tea.Cmd {
	if v.c.Data.vpcs != nil {
		v.fill()
		return nil
	}
	req := v.c.NextReq()
	return tea.Batch(v.list.load(req), loadVPCsCmd(v.c.ScreenCtx, v.c.Account, req))
}

func (v *vpcPicker) fill() {
	var rows []pickerRow
	for _, x := range v.c.Data.vpcs {
		def := "no"
		if x.IsDefault {
			def = "yes"
		}
		rows = append(rows, pickerRow{ID: x.ID, Cells: []string{nameOr(x.Name, "(no name)"), x.ID, x.CIDR, def, fmt.Sprint(len(v.c.Data.subnets[x.ID]))}})
	}
	v.list.req = v.c.NextReq()
	v.list.setRows(v.list.req, rows, nil)
	if v.c.Draft.vpc.ID != "" {
		v.list.choose(v.c.Draft.vpc.ID)
	}
	v.pick()
}

func (v *vpcPicker) pick() {
	r, ok := v.list.current()
	if !ok {
		return
	}
	for _, x := range v.c.Data.vpcs {
		if x.ID == r.ID && x.ID != v.c.Draft.vpc.ID {
			v.c.Draft.choseVPC(x)
		}
	}
}

func (v *vpcPicker) SetSize(w, h int) { v.list.setSize(w, h) }

func (v *vpcPicker) Problems() []string {
	if _, ok := v.list.current(); !ok || v.list.loading || v.list.err != nil {
		return []string{"choose a VPC"}
	}
	return nil
}
func (v *vpcPicker) Warnings() []string { return nil }

// Leave starts loading what the next screens show — the chosen VPC's subnets and instances,
// and the region's VPC links and APIs — before they open.
func (v *vpcPicker) Leave() tea.Cmd {
	var cmds []tea.Cmd
	if _, ok := v.c.Data.byVPC[v.c.Draft.vpc.ID]; !ok && !v.c.Data.loading[v.c.Draft.vpc.ID] {
		known, ok := v.c.Data.subnets[v.c.Draft.vpc.ID]
		v.c.Data.loading[v.c.Draft.vpc.ID] = true
		cmds = append(cmds, loadVPCDataCmd(v.c.Ctx, v.c.Account, v.c.Draft.vpc.ID, known, ok, 0))
	}
	if !v.c.Data.gateway {
		cmds = append(cmds, loadGatewayCmd(v.c.Ctx, v.c.Account, 0))
	}
	return tea.Batch(cmds...)
}

func (v *vpcPicker) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case vpcsMsg:
		if msg.req != v.list.req {
			return v, nil
		}
		if msg.err != nil {
			v.list.setRows(msg.req, nil, msg.err)
			return v, nil
		}
		v.fill()
		return v, nil
	case tea.KeyMsg:
		if key.Matches(msg, v.list.keys.Retry) {
			v.c.Data.vpcs = nil
			return v, v.Enter()
		}
	}
	cmd, changed := v.list.update(msg)
	if changed {
		v.pick()
	}
	return v, cmd
}

func (v *vpcPicker) View() string { return v.list.view() }

func (v *vpcPicker) ShortHelp() []key.Binding {
	return bindings([]key.Binding{v.list.keys.Up, v.list.keys.Clear, v.list.keys.Retry})
}
func (v *vpcPicker) FullHelp() [][]key.Binding {
	return [][]key.Binding{bindings([]key.Binding{v.list.keys.Up, v.list.keys.PgUp, v.list.keys.Clear, v.list.keys.Retry})}
}

// choseVPC sets the VPC and forgets what was chosen inside the previous one.
func (d *draft) choseVPC(v awsops.VPC) {
	d.vpc = v
	d.plan.VPC = v.ID
	d.subnets, d.instances, d.lb, d.link = nil, nil, nil, nil
	d.plan.Subnets, d.plan.Targets.Instances, d.plan.LoadBalancer.Existing, d.plan.VPCLink.Existing = nil, nil, "", ""
}
