package ui

import (
	"fmt"
	"slices"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/awsops"
)

// vpcPicker lists the region's VPCs. The cursor starts on the VPC most likely wanted: the
// one with private subnets and running instances, not the default VPC, which usually has
// neither.
type vpcPicker struct {
	c    *Common
	list *picker
	// touched is set once the user moves the cursor or filters: the picker then stops
	// choosing for them.
	touched bool
}

// vpcCandidates is how many VPCs with private subnets the picker prefetches, to see which
// of them run instances.
const vpcCandidates = 3

func newVPCPicker(c *Common) *vpcPicker {
	v := &vpcPicker{c: c, list: newPicker(c, "VPCs", false,
		table.Column{Title: "Name", Width: 18}, table.Column{Title: "VPC id", Width: 21},
		table.Column{Title: "CIDR", Width: 15}, table.Column{Title: "Default", Width: 7}, table.Column{Title: "Subnets", Width: 7})}
	v.list.detail = v.describe
	return v
}

// describe is the detail line of a VPC: its subnets, and its instances once known; and the
// whole row when the table cut it.
func (v *vpcPicker) describe(r pickerRow) string {
	private, public := 0, 0
	for _, s := range v.c.Data.subnets[r.ID] {
		if s.Public {
			public++
		} else {
			private++
		}
	}
	text := fmt.Sprintf("%s: %d private and %d public subnets", r.Cells[0], private, public)
	if v.list.cut(r) {
		// The table cut the row: name, id and CIDR in full; the counts need no header.
		def := ""
		if r.Cells[3] == "yes" {
			def = " (default VPC)"
		}
		text = fmt.Sprintf("%s · %s · %s%s: %d private and %d public subnets", r.Cells[0], r.ID, r.Cells[2], def, private, public)
	}
	if d, ok := v.c.Data.byVPC[r.ID]; ok {
		n := running(d)
		text += fmt.Sprintf(", %d running instance%s", n, map[bool]string{true: "s"}[n != 1])
	}
	return text
}

// running counts a VPC's running instances in its private subnets: the likely targets.
func running(d *vpcData) int {
	public := map[string]bool{}
	for _, s := range d.subnets {
		public[s.ID] = s.Public
	}
	n := 0
	for _, in := range d.instances {
		if in.State == "running" && !public[in.SubnetID] {
			n++
		}
	}
	return n
}

// likely returns the VPC most likely wanted: running instances in private subnets (where
// known), then private subnets, then not the default VPC; the first listed on a tie.
func (v *vpcPicker) likely() string {
	return likelyVPC(v.c.Data.vpcs, func(id string) (int, []awsops.Subnet) {
		n := 0
		if d, ok := v.c.Data.byVPC[id]; ok {
			n = running(d)
		}
		return n, v.c.Data.subnets[id]
	})
}

// likelyVPC returns the VPC most likely wanted, for the picker and the plain prompts alike:
// the most running instances in private subnets, then the most private subnets, then not
// the default VPC; the first listed on a tie. of gives a VPC's running count and subnets.
func likelyVPC(vpcs []awsops.VPC, of func(vpcID string) (int, []awsops.Subnet)) string {
	best, bestScore := "", [3]int{-1}
	for _, x := range vpcs {
		var score [3]int
		var subnets []awsops.Subnet
		score[0], subnets = of(x.ID)
		for _, s := range subnets {
			if !s.Public {
				score[1]++
			}
		}
		if !x.IsDefault {
			score[2] = 1
		}
		if score[0] > bestScore[0] || score[0] == bestScore[0] && (score[1] > bestScore[1] || score[1] == bestScore[1] && score[2] > bestScore[2]) {
			best, bestScore = x.ID, score
		}
	}
	return best
}

// prefetch loads the data of the VPCs with the most private subnets, so the picker can see
// where instances run and the next screens find their data ready.
func (v *vpcPicker) prefetch() tea.Cmd {
	var ids []string
	for _, x := range v.c.Data.vpcs {
		if v.privateSubnets(x.ID) > 0 {
			ids = append(ids, x.ID)
		}
	}
	slices.SortStableFunc(ids, func(a, b string) int { return v.privateSubnets(b) - v.privateSubnets(a) })
	var cmds []tea.Cmd
	for _, id := range ids[:min(len(ids), vpcCandidates)] {
		if _, ok := v.c.Data.byVPC[id]; ok || v.c.Data.loading[id] {
			continue
		}
		v.c.Data.loading[id] = true
		cmds = append(cmds, loadVPCDataCmd(v.c.Ctx, v.c.Account, id, v.c.Data.subnets[id], true, 0))
	}
	return tea.Batch(cmds...)
}

func (v *vpcPicker) privateSubnets(id string) int {
	n := 0
	for _, s := range v.c.Data.subnets[id] {
		if !s.Public {
			n++
		}
	}
	return n
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
		return v.prefetch()
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
	switch {
	case v.c.Draft.vpc.ID != "":
		v.list.choose(v.c.Draft.vpc.ID)
	case !v.touched:
		v.list.choose(v.likely())
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
		return v, v.prefetch()
	case vpcDataMsg:
		// A prefetch told where instances run: until the user chooses, follow it.
		if !v.touched && !v.list.filtered() && v.list.err == nil && !v.list.loading {
			v.list.choose(v.likely())
			v.pick()
		}
		return v, nil
	case tea.KeyMsg:
		if key.Matches(msg, v.list.keys.Retry) {
			v.c.Data.vpcs = nil
			return v, v.Enter()
		}
	}
	cmd, changed := v.list.update(msg)
	if changed {
		v.touched = true
		v.pick()
	}
	return v, cmd
}

// Escape clears the filter before esc means back.
func (v *vpcPicker) Escape() bool {
	if v.list.clearFilter() {
		v.pick()
		return true
	}
	return false
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
