package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// linkScreen says which VPC link API Gateway will use: a new one, or the one the reused
// NLB already has (an NLB can be behind one VPC link only).
type linkScreen struct {
	c       *Common
	req     int
	loading bool
	err     error
}

func newLinkScreen(c *Common) *linkScreen { return &linkScreen{c: c} }

func (l *linkScreen) Title() string { return "VPC link" }
func (l *linkScreen) Why() string {
	return "API Gateway runs outside your VPC. A REST API's VPC link makes the NLB a PrivateLink endpoint " +
		"service, and API Gateway reaches it over AWS PrivateLink: no network interface is placed in your " +
		"subnets (that is how the VPC links of HTTP APIs work). Creating one takes several minutes (PENDING, " +
		"then AVAILABLE) and needs the NLB to be active. The methods find the link through the stage variable " +
		"VPCLink, so the same API can point at another link per stage."
}
func (l *linkScreen) Init() tea.Cmd { return nil }

func (l *linkScreen) Enter() tea.Cmd {
	if l.c.Data.gateway {
		l.choose()
		return nil
	}
	l.req, l.loading, l.err = l.c.NextReq(), true, nil
	return loadGatewayCmd(l.c.ScreenCtx, l.c.Account, l.req)
}

// choose reuses the link of a reused NLB, when it has one.
func (l *linkScreen) choose() {
	d := l.c.Draft
	d.link, d.plan.VPCLink.Existing = nil, ""
	if d.lb == nil {
		return
	}
	for _, link := range l.c.Data.links {
		if slices.Contains(link.TargetARNs, d.lb.ARN) && link.Status != "FAILED" && link.Status != "DELETING" {
			link := link
			d.link, d.plan.VPCLink.Existing = &link, link.ID
		}
	}
}

func (l *linkScreen) SetSize(int, int) {}
func (l *linkScreen) Problems() []string {
	if l.loading {
		return []string{"still looking for the region's VPC links"}
	}
	if l.err != nil {
		return []string{"cannot list VPC links: " + l.err.Error() + " (ctrl+r to retry)"}
	}
	return nil
}
func (l *linkScreen) Warnings() []string { return nil }

func (l *linkScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case gatewayMsg:
		if msg.req == l.req {
			l.loading, l.err = false, msg.err
			l.choose()
		}
	case tea.KeyMsg:
		if msg.String() == "ctrl+r" && l.err != nil {
			return l, l.Enter()
		}
	}
	return l, nil
}

func (l *linkScreen) View() string {
	d := l.c.Draft
	var b strings.Builder
	switch {
	case l.loading:
		b.WriteString("Looking for VPC links…")
	case d.link != nil:
		b.WriteString(l.c.field("Reuse VPC link", fmt.Sprintf("%s (%s), status %s", d.link.ID, d.link.Name, d.link.Status)))
		b.WriteString("\n" + l.c.para(d.lb.Name+" already has this link, and a load balancer can be behind one VPC link only."))
	case d.lb != nil:
		b.WriteString(l.c.field("New VPC link", fmt.Sprintf("%s-<run>-link, to %s", d.plan.Name, d.lb.Name)))
	default:
		b.WriteString(l.c.field("New VPC link", nameOr(d.plan.Name, "<name>")+"-<run>-link, to the new load balancer"))
		b.WriteString("\n" + l.c.para("vpclink creates it as soon as the load balancer is active, and waits for it to be AVAILABLE."))
	}
	return b.String()
}

func (l *linkScreen) ShortHelp() []key.Binding  { return nil }
func (l *linkScreen) FullHelp() [][]key.Binding { return nil }
