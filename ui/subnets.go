package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/awsops"
)

// subnetPicker chooses the subnets the load balancer goes in: one per Availability Zone.
type subnetPicker struct {
	c       *Common
	list    *picker
	vpc     string
	touched bool
	// subnets are the rows' subnets, the ones save chooses from.
	subnets []awsops.Subnet
}

func newSubnetPicker(c *Common) *subnetPicker {
	s := &subnetPicker{c: c, list: newPicker(c, "subnets", true,
		table.Column{Title: "Name", Width: 18}, table.Column{Title: "Subnet id", Width: 24}, table.Column{Title: "AZ", Width: 10},
		table.Column{Title: "CIDR", Width: 14}, table.Column{Title: "Free", Width: 4}, table.Column{Title: "Type", Width: 7})}
	s.list.empty = func() string {
		return fmt.Sprintf("%s has no subnets, so no load balancer can go in it. Press esc to choose another VPC.", vpcName(c.Draft.vpc))
	}
	return s
}

// vpcName names a VPC for a sentence: its Name tag and id, or its id.
func vpcName(v awsops.VPC) string {
	if v.Name == "" {
		return v.ID
	}
	return v.Name + " (" + v.ID + ")"
}

// Escape clears the filter before esc means back.
func (s *subnetPicker) Escape() bool { return s.list.clearFilter() }

func (s *subnetPicker) Title() string { return "Subnets" }
func (s *subnetPicker) Why() string {
	return "An internal Network Load Balancer gets one private IP address in each subnet you choose, one " +
		"subnet per Availability Zone. It only sends traffic to instances in those zones, so pick a private " +
		"subnet in every zone where your instances run; two or more zones keep the API up when one fails."
}
func (s *subnetPicker) Init() tea.Cmd { return nil }

// Enter shows the subnets listed with the VPCs at once: they need not wait for the prefetch
// of the VPC's instances, which a large VPC makes slow. Without them, it loads the VPC's data.
func (s *subnetPicker) Enter() tea.Cmd {
	if known, ok := s.c.Data.subnets[s.c.Draft.vpc.ID]; ok {
		s.fill(&vpcData{subnets: known})
		return nil
	}
	return vpcLoader{s.c, s.list}.enter(s.fill)
}

func (s *subnetPicker) fill(d *vpcData) {
	if s.vpc != s.c.Draft.vpc.ID {
		s.vpc, s.touched = s.c.Draft.vpc.ID, false
		s.list.selected = map[string]bool{}
		s.list.filter.SetValue("") // a filter typed for another VPC's subnets
	}
	s.subnets = d.subnets
	var rows []pickerRow
	for _, sn := range d.subnets {
		kind := "private"
		mark := ""
		if sn.Public {
			kind, mark = "public", "!"
		}
		rows = append(rows, pickerRow{ID: sn.ID, Mark: mark, Cells: []string{nameOr(sn.Name, "(no name)"), sn.ID, sn.AZ, sn.CIDR, fmt.Sprint(sn.FreeIPs), kind}})
	}
	s.list.req = s.c.NextReq()
	s.list.setRows(s.list.req, rows, nil)
	for _, sn := range s.c.Draft.subnets {
		s.list.selected[sn.ID] = true
	}
	if !s.touched && len(s.list.selected) == 0 {
		// Start from what most setups want: one private subnet in each zone.
		zones := map[string]bool{}
		for _, sn := range d.subnets {
			if !sn.Public && !zones[sn.AZ] {
				zones[sn.AZ] = true
				s.list.selected[sn.ID] = true
			}
		}
	}
	s.list.render()
	s.save()
}

func (s *subnetPicker) save() {
	if s.vpc != s.c.Draft.vpc.ID {
		return
	}
	s.c.Draft.subnets = nil
	s.c.Draft.plan.Subnets = nil
	for _, sn := range s.subnets {
		if s.list.selected[sn.ID] {
			s.c.Draft.subnets = append(s.c.Draft.subnets, sn)
			s.c.Draft.plan.Subnets = append(s.c.Draft.plan.Subnets, sn.ID)
		}
	}
}

func (s *subnetPicker) SetSize(w, h int) { s.list.setSize(w, h-2) }

func (s *subnetPicker) Problems() []string {
	if s.list.loading || s.list.err != nil {
		return []string{"the subnets are not loaded yet"}
	}
	if len(s.c.Draft.subnets) == 0 {
		return []string{"select at least one subnet with space"}
	}
	byAZ := map[string][]string{}
	for _, sn := range s.c.Draft.subnets {
		byAZ[sn.AZ] = append(byAZ[sn.AZ], nameOr(sn.Name, sn.ID))
	}
	var out []string
	for _, az := range slices.Sorted(maps.Keys(byAZ)) {
		if len(byAZ[az]) > 1 {
			out = append(out, fmt.Sprintf("%s share %s: a load balancer takes one subnet per zone", strings.Join(byAZ[az], " and "), az))
		}
	}
	return out
}

func (s *subnetPicker) Warnings() []string {
	var out []string
	azs := map[string]bool{}
	for _, sn := range s.c.Draft.subnets {
		azs[sn.AZ] = true
		if sn.Public {
			out = append(out, nameOr(sn.Name, sn.ID)+" is public: an internal load balancer belongs in private subnets")
		}
	}
	if len(azs) == 1 {
		out = append(out, "one Availability Zone only: choose two or more so one zone's outage does not take the API down")
	}
	return out
}

func (s *subnetPicker) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(vpcDataMsg); ok && !s.list.loading && s.list.err == nil {
		// The rows came from the VPC listing; the prefetch's answer (or its error, which
		// concerns the instances) is for the next screens.
		return s, nil
	}
	if cmd, ok := (vpcLoader{s.c, s.list}).update(msg, s.fill); ok {
		return s, cmd
	}
	cmd, changed := s.list.update(msg)
	if changed {
		s.touched = true
		s.save()
	}
	return s, cmd
}

func (s *subnetPicker) View() string {
	return s.list.view()
}

func (s *subnetPicker) ShortHelp() []key.Binding {
	return bindings([]key.Binding{s.list.keys.Toggle, s.list.keys.Up, s.list.keys.Clear, s.list.keys.Retry})
}
func (s *subnetPicker) FullHelp() [][]key.Binding {
	return [][]key.Binding{bindings([]key.Binding{s.list.keys.Toggle, s.list.keys.All, s.list.keys.Up, s.list.keys.PgUp, s.list.keys.Clear, s.list.keys.Retry})}
}
