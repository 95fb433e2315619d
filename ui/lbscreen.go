package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/steps"
)

const (
	lbCreate = "Create a new internal NLB"
	lbReuse  = "Reuse an existing NLB"
)

// lbScreen creates an internal NLB (listener, target port, health check) or reuses one.
type lbScreen struct {
	c    *Common
	form *form
	// mode is lbCreate or lbReuse; the numbers are bound to the plan through their text.
	mode                                    string
	port, target, hcPort, interval, healthy *boundText
	list                                    *picker
	vpc                                     string
}

func newLBScreen(c *Common) *lbScreen {
	p := &c.Draft.plan
	hc := &p.LoadBalancer.HealthCheck
	const port = "a port from 1 to 65535"
	s := &lbScreen{c: c, mode: lbCreate,
		port:     int32Text(&p.LoadBalancer.Port, false, port),
		target:   int32Text(&p.Targets.Port, false, port),
		hcPort:   int32Text(&hc.Port, true, port),
		interval: int32Text(&hc.Interval, false, "a number of seconds"),
		healthy:  int32Text(&hc.HealthyThreshold, false, "a whole number"),
	}
	s.form = newForm(c, func() []formField {
		fields := []formField{{label: "Load balancer", field: choice(&s.mode, options(lbCreate, lbReuse)...), hint: "←/→ to choose"}}
		if s.mode == lbReuse {
			return fields
		}
		num := func(title string, n *boundText, field, hint string) formField {
			check := n.checkThen(title, p, field)
			return formField{label: title, field: numInput(n, ignore(check)), check: check, hint: hint}
		}
		path := func() error { return planCheck(p, "loadBalancer.healthCheck.path") }
		return append(fields,
			num("Listener port", s.port, "loadBalancer.port", "the TCP port API Gateway connects to"),
			num("Target port", s.target, "targets.port", "the port your service listens on, on the instances"),
			formField{label: "Health check path", field: textInput(&hc.Path, ignore(path)), check: path,
				hint: "an HTTP path that answers 200 when the service is up, e.g. /health"},
			num("Health check port", s.hcPort, "loadBalancer.healthCheck.port", "empty: the target port"),
			num("Check interval", s.interval, "loadBalancer.healthCheck.interval", "seconds between checks, 5 to 300"),
			num("Healthy after", s.healthy, "loadBalancer.healthCheck.healthyThreshold", "passed checks in a row (2 to 10)"),
		)
	})
	s.list = newPicker(c, "internal network load balancers", false,
		table.Column{Title: "Name", Width: 24}, table.Column{Title: "State", Width: 12}, table.Column{Title: "Zones", Width: 36})
	s.list.empty = func() string {
		return fmt.Sprintf("There is no internal network load balancer in %s to reuse. Press ← to create a new one, or esc to choose another VPC.", vpcName(c.Draft.vpc))
	}
	return s
}

// Escape clears the list's filter before esc means back.
func (s *lbScreen) Escape() bool {
	if s.mode == lbReuse && s.list.clearFilter() {
		s.save()
		return true
	}
	return false
}

func (s *lbScreen) Title() string { return "Load balancer" }
func (s *lbScreen) Why() string {
	return "A REST API's VPC link reaches your VPC over AWS PrivateLink, whose endpoint services stand on a " +
		"Network Load Balancer: hence an NLB. vpclink creates an internal one (reachable only inside the " +
		"VPC) with a TCP listener, and a target group that sends traffic to your instances and checks their " +
		"health over HTTP. An NLB that already fronts the service can be reused; it keeps its listeners and " +
		"targets. If it has security groups (NLBs can since 2023), their inbound rules apply to the VPC " +
		"link's traffic too, unless its \"enforce inbound rules on PrivateLink traffic\" is off."
}
func (s *lbScreen) Init() tea.Cmd { return nil }

func (s *lbScreen) Enter() tea.Cmd {
	if s.vpc != s.c.Draft.vpc.ID {
		s.vpc = s.c.Draft.vpc.ID
		s.list.filter.SetValue("") // a filter typed for another VPC's load balancers
	}
	if d, ok := s.c.Data.byVPC[s.c.Draft.vpc.ID]; ok {
		var rows []pickerRow
		for _, lb := range d.lbs {
			rows = append(rows, pickerRow{ID: lb.ARN, Cells: []string{lb.Name, lb.State, strings.Join(lb.AZs, ", ")}})
		}
		s.list.req = s.c.NextReq()
		s.list.setRows(s.list.req, rows, nil)
		if s.c.Draft.lb != nil {
			s.list.choose(s.c.Draft.lb.ARN)
		}
	}
	s.save()
	return s.form.rebuild()
}

// Typing reports whether a text field has focus.
func (s *lbScreen) Typing() bool { return s.form.Typing() }

// save records the load balancer chosen for reuse; the fields of a new one are bound.
func (s *lbScreen) save() {
	d := s.c.Draft
	p := &d.plan
	d.lb = nil
	p.LoadBalancer.Existing = ""
	if s.mode != lbReuse {
		return
	}
	if r, ok := s.list.current(); ok {
		for _, lb := range s.c.Data.byVPC[d.vpc.ID].lbs {
			if lb.ARN == r.ID {
				lb := lb
				d.lb = &lb
				p.LoadBalancer.Existing = lb.ARN
			}
		}
	}
}

func (s *lbScreen) SetSize(w, h int) {
	s.form.setWidth(w)
	s.list.setSize(w, h-3)
}

// planProblems are the plan's validation errors on the given fields.
func planProblems(p steps.Plan, prefixes ...string) []string {
	var out []string
	for _, e := range p.Validate() {
		for _, pre := range prefixes {
			if strings.HasPrefix(e.Field, pre) {
				out = append(out, e.Error())
				break
			}
		}
	}
	return out
}

func (s *lbScreen) Problems() []string {
	if s.mode == lbReuse {
		if s.c.Draft.lb == nil {
			return []string{"choose the load balancer to reuse (there may be none in this VPC)"}
		}
		return nil
	}
	out := s.form.Problems()
	if len(out) > 0 {
		return out
	}
	return planProblems(s.c.Draft.plan, "loadBalancer.port", "loadBalancer.healthCheck", "targets.port")
}

func (s *lbScreen) Warnings() []string {
	if lb := s.c.Draft.lb; lb != nil && lb.State != "active" {
		return []string{lb.Name + " is " + lb.State + ": vpclink waits for it to be active"}
	}
	return nil
}

func (s *lbScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	if km, ok := msg.(tea.KeyMsg); ok && s.mode == lbReuse && km.String() != "left" && km.String() != "right" {
		var changed bool
		cmd, changed = s.list.update(msg)
		if changed {
			s.save()
		}
		return s, cmd
	}
	mode := s.mode
	cmd = s.form.update(msg)
	if s.mode != mode {
		// The fields of a new load balancer come and go with the choice.
		cmd = tea.Batch(cmd, s.form.rebuild())
	}
	s.save()
	if _, ok := msg.(tea.KeyMsg); !ok {
		c2, _ := s.list.update(msg)
		cmd = tea.Batch(cmd, c2)
	}
	return s, cmd
}

func (s *lbScreen) View() string {
	v := s.form.view()
	if s.mode == lbReuse {
		return v + "\n\n" + s.list.view()
	}
	name := nameOr(s.c.Draft.plan.Name, "<name>")
	return v + "\n\n" + s.c.Styles.Subtle.Render(s.c.para(fmt.Sprintf(
		"Creates the NLB %s-<run>-nlb and the target group %s-<run>-tg; the name is set on the review screen, the run id when it starts.", name, name)))
}

func (s *lbScreen) ShortHelp() []key.Binding {
	if s.mode == lbReuse {
		return bindings([]key.Binding{s.form.keys.Choose, s.list.keys.Up, s.list.keys.Clear})
	}
	return bindings([]key.Binding{s.form.keys.Field, s.form.keys.Choose})
}
func (s *lbScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
