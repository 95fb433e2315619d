package ui

import (
	"context"
	"strings"
	"sync"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// draft is the setup as the user builds it, screen by screen.
type draft struct {
	plan      steps.Plan
	vpc       awsops.VPC
	subnets   []awsops.Subnet
	instances []awsops.Instance
	// lb, link and api are set when an existing resource is reused.
	lb   *awsops.LoadBalancer
	link *awsops.VPCLink
	api  *awsops.RestAPI
	// adopted is set when the draft finishes a chain a scan found: what it adopts.
	adopted *adoption
}

func newDraft() *draft {
	d := &draft{}
	d.plan.Defaults()
	d.plan.API.Methods = []string{"GET", "POST", "PATCH", "DELETE"}
	return d
}

// cache is what has been loaded from the account, shared by the screens.
type cache struct {
	vpcs []awsops.VPC
	// subnets are the region's subnets by VPC, listed with the VPCs: they give the VPC
	// picker its counts and spare the chosen VPC's loader a second listing.
	subnets map[string][]awsops.Subnet
	byVPC   map[string]*vpcData
	// loading marks the VPCs whose data a prefetch is loading, so the screens that need its
	// instances, groups or load balancers wait for it; Subnets shows the subnets above.
	loading map[string]bool
	links   []awsops.VPCLink
	apis    []awsops.RestAPI
	gateway bool
}

func newCache() *cache { return &cache{byVPC: map[string]*vpcData{}, loading: map[string]bool{}} }

// vpcData is everything in one VPC that the screens after the VPC picker show.
type vpcData struct {
	subnets   []awsops.Subnet
	instances []awsops.Instance
	groups    []awsops.SecurityGroup
	lbs       []awsops.LoadBalancer
}

// Loaded-data messages. Each carries the request id it answers.
type (
	identityMsg struct {
		req int
		id  awsops.Identity
		err error
	}
	vpcsMsg struct {
		req     int
		vpcs    []awsops.VPC
		subnets map[string][]awsops.Subnet
		err     error
	}
	vpcDataMsg struct {
		req   int
		vpcID string
		data  *vpcData
		err   error
	}
	gatewayMsg struct {
		req   int
		links []awsops.VPCLink
		apis  []awsops.RestAPI
		err   error
	}
	runsMsg struct {
		runs    []*steps.Journal
		skipped []*steps.JournalError
		err     error
	}
)

func identityCmd(ctx context.Context, a *awsops.Account, req int) tea.Cmd {
	return func() tea.Msg {
		id, err := a.Identity(ctx)
		return identityMsg{req, id, err}
	}
}

func loadRunsCmd(store *steps.Store) tea.Cmd {
	return func() tea.Msg {
		runs, skipped, err := store.Scan()
		return runsMsg{runs, skipped, err}
	}
}

func loadVPCsCmd(ctx context.Context, a *awsops.Account, req int) tea.Cmd {
	return func() tea.Msg {
		vpcs, err := a.ListVPCs(ctx)
		if err != nil {
			return vpcsMsg{req: req, err: err}
		}
		// One subnet listing for the whole region gives the counts, and the subnets themselves.
		subnets, err := a.ListSubnets(ctx, "")
		byVPC := map[string][]awsops.Subnet{}
		for _, v := range vpcs {
			byVPC[v.ID] = nil
		}
		for _, s := range subnets {
			byVPC[s.VPCID] = append(byVPC[s.VPCID], s)
		}
		return vpcsMsg{req, vpcs, byVPC, err}
	}
}

// loadVPCDataCmd loads a VPC's subnets, instances, security groups and load balancers at once;
// the wizard starts it as soon as a VPC is chosen, so later screens find their data ready.
// Subnets already listed with the VPCs (known) are not listed again.
func loadVPCDataCmd(ctx context.Context, a *awsops.Account, vpcID string, known []awsops.Subnet, haveKnown bool, req int) tea.Cmd {
	return func() tea.Msg {
		d := &vpcData{subnets: known}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		wg.Add(4)
		go func() {
			defer wg.Done()
			if !haveKnown {
				d.subnets, errs[0] = a.ListSubnets(ctx, vpcID)
			}
		}()
		go func() { defer wg.Done(); d.instances, errs[1] = a.ListInstances(ctx, vpcID) }()
		go func() { defer wg.Done(); d.groups, errs[2] = a.ListSecurityGroups(ctx, vpcID) }()
		go func() { defer wg.Done(); d.lbs, errs[3] = a.ListLoadBalancers(ctx, vpcID) }()
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return vpcDataMsg{req: req, vpcID: vpcID, err: err}
			}
		}
		return vpcDataMsg{req, vpcID, d, nil}
	}
}

func loadGatewayCmd(ctx context.Context, a *awsops.Account, req int) tea.Cmd {
	return func() tea.Msg {
		links, err := a.ListVPCLinks(ctx)
		if err != nil {
			return gatewayMsg{req: req, err: err}
		}
		apis, err := a.ListRestAPIs(ctx)
		return gatewayMsg{req, links, apis, err}
	}
}

// errorHint is the Try line for an error shown on a screen.
func errorHint(err error) string {
	if h := steps.Recommend(err); h != "" {
		return strings.TrimSuffix(h, ".") + "."
	}
	return "check your network and credentials."
}

// vpcLoader gives a picker the chosen VPC's data: from the cache, or loaded on demand.
type vpcLoader struct {
	c    *Common
	list *picker
}

func (l vpcLoader) enter(fill func(*vpcData)) tea.Cmd {
	vpc := l.c.Draft.vpc.ID
	if d, ok := l.c.Data.byVPC[vpc]; ok {
		fill(d)
		return nil
	}
	req := l.c.NextReq()
	if l.c.Data.loading[vpc] {
		return l.list.load(req) // the prefetch's answer will come
	}
	known, ok := l.c.Data.subnets[vpc]
	return tea.Batch(l.list.load(req), loadVPCDataCmd(l.c.ScreenCtx, l.c.Account, vpc, known, ok, req))
}

// update handles the VPC's data arriving and the retry key; it reports whether msg was one.
func (l vpcLoader) update(msg tea.Msg, fill func(*vpcData)) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case vpcDataMsg:
		switch {
		case msg.vpcID != l.c.Draft.vpc.ID:
		case msg.err != nil:
			l.list.setRows(l.list.req, nil, msg.err) // the current VPC's answer, whoever asked
		default:
			fill(msg.data)
		}
		return nil, true
	case tea.KeyMsg:
		if key.Matches(msg, l.list.keys.Retry) {
			delete(l.c.Data.byVPC, l.c.Draft.vpc.ID)
			delete(l.c.Data.subnets, l.c.Draft.vpc.ID) // a retry lists everything afresh
			return l.enter(fill), true
		}
	}
	return nil, false
}
