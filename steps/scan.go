package steps

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// Finding is one VPC-link chain a scan found, whole or partial, whoever made it: what
// exists, what is missing or broken, and what finishing it would do. Its ID is derived
// from the chain's anchor (its load balancer, else its VPC link, else its REST API), so
// it stays the same from one scan to the next.
type Finding struct {
	ID      string        `json:"id"`
	Summary string        `json:"summary"`
	Exists  FindingExists `json:"exists"`
	Missing []string      `json:"missing"`
	Broken  []string      `json:"broken"`
	// Finish says what `vpclink finish ID` would do; empty when the chain is whole or
	// when finishing needs a person's choice (Broken says which).
	Finish []string `json:"finish"`
	// Run is the vpclink run that made the chain (its vpclink:run tag), or empty.
	Run string `json:"run"`
	// Region is the region scanned.
	Region string `json:"region"`

	port    int32 // the listener the chain's integration calls
	methods []string
	// What finish needs for targets never registered or groups never opened.
	needTargets bool     // no target registered: finish needs --instances
	running     []string // the VPC's running instances in the load balancer's zones
	openFor     []string // the registered instances whose groups do not admit the load balancer
	targetPort  int32
	mode        string
}

// FindingExists is what a chain has.
type FindingExists struct {
	VPC          string        `json:"vpc,omitempty"`
	LoadBalancer *FoundNLB     `json:"loadBalancer,omitempty"`
	VPCLink      *FoundLink    `json:"vpcLink,omitempty"`
	APIs         []FoundAPI    `json:"apis,omitempty"`
	Ingress      []awsops.Rule `json:"ingress,omitempty"`
}

// FoundNLB is an internal network load balancer with its listeners, target groups and targets.
type FoundNLB struct {
	Name         string        `json:"name"`
	ARN          string        `json:"arn"`
	DNSName      string        `json:"dnsName"`
	State        string        `json:"state"`
	Listeners    []int32       `json:"listeners,omitempty"`
	TargetGroups []string      `json:"targetGroups,omitempty"`
	Targets      []FoundTarget `json:"targets,omitempty"`
}

// FoundTarget is one registered target and its health.
type FoundTarget struct {
	ID     string `json:"id"`
	Port   int32  `json:"port"`
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// FoundLink is a V1 VPC link and its status.
type FoundLink struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Status        string `json:"status"`
	StatusMessage string `json:"statusMessage,omitempty"`
}

// FoundAPI is a REST API with VPC_LINK integrations, how they reach the link, and its stages.
type FoundAPI struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Via is how the integrations name the link: its id, or ${stageVariables.NAME}.
	Via     string   `json:"via"`
	Methods []string `json:"methods,omitempty"`
	// Deployments counts the API's deployments when it has no stage (0 otherwise: each
	// stage names its own).
	Deployments int          `json:"deployments"`
	Stages      []FoundStage `json:"stages,omitempty"`
}

// FoundStage is one stage of a REST API with its deployment and variables.
type FoundStage struct {
	Name       string            `json:"name"`
	Deployment string            `json:"deployment"`
	Variables  map[string]string `json:"variables,omitempty"`
}

// NeedsTargets reports whether the chain's target group has no targets: finishing it
// registers instances a person names.
func (f *Finding) NeedsTargets() bool { return f.needTargets }

// OpensGroups reports whether finishing the chain opens its registered instances' security
// groups to the load balancer.
func (f *Finding) OpensGroups() bool { return len(f.openFor) > 0 }

// Complete reports whether nothing is missing or broken.
func (f *Finding) Complete() bool { return len(f.Missing) == 0 && len(f.Broken) == 0 }

// ErrNoFinding is returned for a finding id that a scan does not find.
var ErrNoFinding = errors.New("no such finding")

var stageVarRef = regexp.MustCompile(`^\$\{stageVariables\.([A-Za-z0-9_]+)\}$`)

// scanAPI is one REST API with VPC_LINK integrations on its /{proxy+} or /.
type scanAPI struct {
	api     awsops.RestAPI
	via     string // a link id, or ${stageVariables.X}
	varName string // X, when via is a stage variable
	port    int32
	methods []string
	stages  []awsops.Stage
	deps    int
}

// linkIDs is the links the API reaches: directly, or through its stages' variable.
func (a *scanAPI) linkIDs() []string {
	if a.varName == "" {
		return []string{a.via}
	}
	var ids []string
	for _, s := range a.stages {
		if id := s.Variables[a.varName]; id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

type scanChain struct {
	lb      *awsops.LoadBalancer
	tags    map[string]string
	ls      []awsops.Listener
	tgs     []awsops.TargetGroup
	health  []FoundTarget
	link    *awsops.VPCLink
	apis    []*scanAPI
	ingress []awsops.Rule
	closed  *bool // the instances' groups admit the VPC (nil: no targets to check)
	// For groups that do not admit it: the rules finish adds, the mode and the group names.
	open       []awsops.Rule
	mode       string
	groupNames map[string]string
	running    []awsops.Instance // for a target group with no targets: the candidates
}

// Scan looks at the account's region and returns every VPC-link chain in it, whole or
// partial, ordered by id. runs (may be nil) are the journals of the store: a chain a run
// built or finished names it, by the run's tag or by the journal's resources. Every listing walks all its pages; per-resource calls are only
// those no listing serves (listeners per load balancer, health per target group, resources
// and stages per REST API with a VPC link integration). Chains made by vpclink name their
// run. It changes nothing.
func Scan(ctx context.Context, acct *awsops.Account, runs []*Journal) ([]Finding, error) {
	vpcs, err := acct.ListVPCs(ctx)
	if err != nil {
		return nil, err
	}
	cidr := map[string]string{}
	for _, v := range vpcs {
		cidr[v.ID] = v.CIDR
	}
	lbs, err := acct.ListLoadBalancers(ctx, "")
	if err != nil {
		return nil, err
	}
	tgs, err := acct.ListTargetGroups(ctx)
	if err != nil {
		return nil, err
	}
	arns := make([]string, len(lbs))
	for i, lb := range lbs {
		arns[i] = lb.ARN
	}
	tags, err := acct.TagsOf(ctx, arns)
	if err != nil {
		return nil, err
	}
	chains := map[string]*scanChain{} // by load balancer ARN
	var order []*scanChain
	for i := range lbs {
		c := &scanChain{lb: &lbs[i], tags: tags[lbs[i].ARN]}
		chains[lbs[i].ARN] = c
		order = append(order, c)
		if c.ls, err = acct.ListListeners(ctx, lbs[i].ARN); err != nil {
			return nil, err
		}
		for _, tg := range tgs {
			if slices.Contains(tg.LoadBalancerARNs, lbs[i].ARN) {
				c.tgs = append(c.tgs, tg)
			}
		}
		for _, tg := range c.tgs {
			hs, err := acct.TargetHealth(ctx, tg.ARN)
			if err != nil {
				return nil, err
			}
			for _, h := range hs {
				c.health = append(c.health, FoundTarget{ID: h.ID, Port: h.Port, State: h.State, Reason: h.Reason})
			}
		}
	}
	if err := scanIngress(ctx, acct, order, cidr); err != nil {
		return nil, err
	}
	if err := scanCandidates(ctx, acct, order); err != nil {
		return nil, err
	}

	links, err := acct.ListVPCLinks(ctx)
	if err != nil {
		return nil, err
	}
	byLink := map[string]*scanChain{}
	for i := range links {
		l := &links[i]
		var c *scanChain
		for _, arn := range l.TargetARNs {
			if chains[arn] != nil {
				c = chains[arn]
			}
		}
		if c == nil || c.link != nil {
			// The link's load balancer is gone (or, on a strange account, has two links).
			c = &scanChain{}
			order = append(order, c)
		}
		c.link = l
		byLink[l.ID] = c
	}

	apis, err := acct.ListRestAPIs(ctx)
	if err != nil {
		return nil, err
	}
	var loose []*scanAPI
	for _, a := range apis {
		sa, err := scanRestAPI(ctx, acct, a)
		if err != nil {
			return nil, err
		}
		if sa == nil {
			continue
		}
		joined := false
		for _, id := range sa.linkIDs() {
			if c := byLink[id]; c != nil {
				c.apis = append(c.apis, sa)
				joined = true
				break
			}
		}
		if !joined {
			loose = append(loose, sa)
		}
	}
	// An API whose stage lacks the variables reaches no link yet: it belongs to the unused
	// chain named like it, or to the only unused chain there is.
	for _, sa := range loose {
		var unused, named []*scanChain
		for _, c := range order {
			if len(c.apis) > 0 || c.lb == nil {
				continue
			}
			unused = append(unused, c)
			if strings.HasPrefix(c.lb.Name, sa.api.Name) || (c.link != nil && strings.HasPrefix(c.link.Name, sa.api.Name)) {
				named = append(named, c)
			}
		}
		switch {
		case sa.varName != "" && len(named) == 1:
			named[0].apis = append(named[0].apis, sa)
		case sa.varName != "" && len(named) == 0 && len(unused) == 1:
			unused[0].apis = append(unused[0].apis, sa)
		default:
			order = append(order, &scanChain{apis: []*scanAPI{sa}})
		}
	}

	var out []Finding
	for _, c := range order {
		f := c.finding(acct.Region)
		if f.Run == "" {
			f.Run = runOf(f, runs, acct.Region)
		}
		if f.Run != "" && !strings.Contains(f.Summary, f.Run) {
			f.Summary += " (run " + f.Run + ")"
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Finding) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// FindFinding scans and returns the finding with the given id.
func FindFinding(ctx context.Context, acct *awsops.Account, runs []*Journal, id string) (Finding, error) {
	list, err := Scan(ctx, acct, runs)
	if err != nil {
		return Finding{}, err
	}
	var ids []string
	for _, f := range list {
		if f.ID == id {
			return f, nil
		}
		ids = append(ids, f.ID)
	}
	if len(ids) == 0 {
		return Finding{}, fmt.Errorf("%w %q: the scan of %s found no VPC-link chain", ErrNoFinding, id, acct.Region)
	}
	return Finding{}, fmt.Errorf("%w %q in %s: the scan found %s (vpclink scan lists them)", ErrNoFinding, id, acct.Region, strings.Join(ids, ", "))
}

// scanRestAPI reads an API's resources, and when / or /{proxy+} has a VPC_LINK integration,
// its stages and deployments. It returns nil for an API without one.
func scanRestAPI(ctx context.Context, acct *awsops.Account, a awsops.RestAPI) (*scanAPI, error) {
	rs, err := acct.ListResources(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	var sa *scanAPI
	for _, path := range []string{"/{proxy+}", "/"} {
		r := rs[path]
		for _, m := range slices.Sorted(maps.Keys(r.Integrations)) {
			in := r.Integrations[m]
			if in.ConnectionType != "VPC_LINK" {
				continue
			}
			if sa == nil {
				sa = &scanAPI{api: a, via: in.ConnectionID, port: uriPort(in.URI)}
				if m := stageVarRef.FindStringSubmatch(in.ConnectionID); m != nil {
					sa.varName = m[1]
				}
			}
			if path == "/{proxy+}" && !slices.Contains(sa.methods, m) {
				sa.methods = append(sa.methods, m)
			}
		}
	}
	if sa == nil {
		return nil, nil
	}
	if sa.stages, err = acct.ListStages(ctx, a.ID); err != nil {
		return nil, err
	}
	// A stage serves a deployment: the deployments are listed only for an API without one.
	if len(sa.stages) == 0 {
		deps, err := acct.ListDeployments(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		sa.deps = len(deps)
	}
	return sa, nil
}

// uriPort is the port an integration URI names, 0 when none.
func uriPort(uri string) int32 {
	rest, ok := strings.CutPrefix(uri, "http://")
	if !ok {
		rest, _ = strings.CutPrefix(uri, "https://")
	}
	host, _, _ := strings.Cut(rest, "/")
	if i := strings.LastIndex(host, ":"); i >= 0 && !strings.HasSuffix(host, "}") {
		if n, err := strconv.Atoi(host[i+1:]); err == nil {
			return int32(n)
		}
	}
	return 0
}

// scanIngress reads, per VPC in one listing each, the targets' instances and their security
// groups, and notes for each chain whether the groups admit the VPC on the target port.
func scanIngress(ctx context.Context, acct *awsops.Account, chains []*scanChain, cidr map[string]string) error {
	byVPC := map[string][]string{}
	for _, c := range chains {
		for _, t := range c.health {
			if strings.HasPrefix(t.ID, "i-") {
				byVPC[c.lb.VPCID] = append(byVPC[c.lb.VPCID], t.ID)
			}
		}
	}
	for _, vpc := range slices.Sorted(maps.Keys(byVPC)) {
		vpcCIDR, err := netip.ParsePrefix(cidr[vpc])
		if err != nil {
			continue
		}
		ins, err := acct.FindInstances(ctx, vpc, slices.Compact(slices.Sorted(slices.Values(byVPC[vpc]))))
		if err != nil {
			return err
		}
		var gids []string
		inst := map[string]awsops.Instance{}
		for _, in := range ins {
			inst[in.ID] = in
			gids = append(gids, in.SecurityGroups...)
		}
		if len(gids) == 0 {
			continue
		}
		sgs, err := acct.ListSecurityGroups(ctx, vpc, gids...)
		if err != nil {
			return err
		}
		groups := map[string]awsops.SecurityGroup{}
		for _, g := range sgs {
			groups[g.ID] = g
		}
		for _, c := range chains {
			if c.lb == nil || c.lb.VPCID != vpc || len(c.health) == 0 {
				continue
			}
			open := true
			for _, t := range c.health {
				in, ok := inst[t.ID]
				if !ok {
					continue
				}
				r, ok := admittingVPC(in, groups, vpcCIDR, t.Port)
				if !ok {
					open = false
				} else if !slices.Contains(c.ingress, r) {
					c.ingress = append(c.ingress, r)
				}
			}
			c.closed = new(bool)
			*c.closed = !open
			if !open {
				if err := c.planIngress(ctx, acct, inst, sgs, cidr[vpc]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// planIngress works out the rules finish adds so that the load balancer reaches the
// targets: from its private IPs, or from the VPC's CIDR when AWS lists none.
func (c *scanChain) planIngress(ctx context.Context, acct *awsops.Account, inst map[string]awsops.Instance, sgs []awsops.SecurityGroup, vpcCIDR string) error {
	c.mode = ModeNLBIPs
	var srcs []string
	ips, err := acct.LoadBalancerIPs(ctx, c.lb.ARN)
	if err != nil && !awsops.IsNotFound(err) {
		return err
	}
	for _, ip := range ips {
		srcs = append(srcs, ip+"/32")
	}
	if len(srcs) == 0 {
		c.mode, srcs = ModeVPCCIDR, []string{vpcCIDR}
	}
	var ins []awsops.Instance
	for _, t := range c.health {
		if in, ok := inst[t.ID]; ok && !slices.ContainsFunc(ins, func(x awsops.Instance) bool { return x.ID == in.ID }) {
			ins = append(ins, in)
		}
	}
	ports := []int32{c.health[0].Port}
	if len(c.tgs) > 0 {
		if hp := c.tgs[0].HealthCheck.Port; hp != 0 && hp != ports[0] {
			ports = append(ports, hp)
		}
	}
	c.open = IngressRules(ins, sgs, srcs, ports, "")
	c.groupNames = map[string]string{}
	for _, g := range sgs {
		c.groupNames[g.ID] = g.Name
	}
	return nil
}

// scanCandidates lists, for each load balancer whose target group has no targets, the
// running instances of its VPC in its Availability Zones: those finish --instances may name.
func scanCandidates(ctx context.Context, acct *awsops.Account, chains []*scanChain) error {
	byVPC := map[string][]awsops.Instance{}
	for _, c := range chains {
		if c.lb == nil || len(c.tgs) == 0 || len(c.health) > 0 {
			continue
		}
		ins, ok := byVPC[c.lb.VPCID]
		if !ok {
			var err error
			if ins, err = acct.ListInstances(ctx, c.lb.VPCID); err != nil {
				return err
			}
			byVPC[c.lb.VPCID] = ins
		}
		for _, in := range ins {
			if in.State == "running" && (len(c.lb.AZs) == 0 || slices.Contains(c.lb.AZs, in.AZ)) {
				c.running = append(c.running, in)
			}
		}
	}
	return nil
}

// admittingVPC returns a rule of the instance's groups that admits some of the VPC's
// addresses (where the NLB's are) on port.
func admittingVPC(in awsops.Instance, groups map[string]awsops.SecurityGroup, vpc netip.Prefix, port int32) (awsops.Rule, bool) {
	for _, gid := range in.SecurityGroups {
		for _, r := range groups[gid].Ingress {
			have, err := netip.ParsePrefix(r.CIDR)
			if err != nil || !have.Overlaps(vpc) {
				continue
			}
			if r.Protocol == "-1" || (r.Protocol == "tcp" && r.FromPort <= port && port <= r.ToPort) {
				return r, true
			}
		}
	}
	return awsops.Rule{}, false
}

func (c *scanChain) finding(region string) Finding {
	f := Finding{Region: region}
	miss := func(what, fix string) {
		f.Missing = append(f.Missing, what)
		if fix != "" {
			f.Finish = append(f.Finish, fix)
		}
	}
	broken := func(format string, args ...any) { f.Broken = append(f.Broken, fmt.Sprintf(format, args...)) }
	var what []string
	port := int32(0)
	for _, a := range c.apis {
		port = cmp.Or(port, a.port)
	}
	if lb := c.lb; lb != nil {
		f.ID = "nlb-" + lb.Name
		f.Run = c.tags[awsops.TagRun]
		f.Exists.VPC = lb.VPCID
		n := &FoundNLB{Name: lb.Name, ARN: lb.ARN, DNSName: lb.DNSName, State: lb.State, Targets: c.health}
		for _, l := range c.ls {
			n.Listeners = append(n.Listeners, l.Port)
		}
		for _, tg := range c.tgs {
			n.TargetGroups = append(n.TargetGroups, tg.Name)
		}
		f.Exists.LoadBalancer = n
		f.Exists.Ingress = c.ingress
		what = append(what, "load balancer "+lb.Name)
		if lb.State != "active" && lb.State != "provisioning" {
			broken("load balancer %s is %s", lb.Name, lb.State)
		}
		switch {
		case len(c.ls) == 0:
			miss("a listener on the load balancer", "")
			broken("load balancer %s has no listener: add a TCP listener to it (finish does not guess its port and targets)", lb.Name)
		case port != 0 && !slices.Contains(n.Listeners, port):
			broken("the integrations call port %d, on which load balancer %s has no listener", port, lb.Name)
		case port == 0:
			port = n.Listeners[0]
			if slices.Contains(n.Listeners, 80) {
				port = 80
			}
		}
		switch {
		case len(c.tgs) == 0:
			miss("a target group", "")
		case len(c.health) == 0:
			f.needTargets, f.targetPort = true, c.tgs[0].Port
			for _, in := range c.running {
				f.running = append(f.running, cmp.Or(in.Name, in.ID))
			}
			f.mode = ModeNLBIPs
			miss("registered targets", fmt.Sprintf("register the instances named with --instances with %s, and admit the load balancer to their security groups (running in its zones: %s)", c.tgs[0].Name, cmp.Or(strings.Join(f.running, ", "), "none")))
		default:
			for _, t := range c.health {
				// Targets behind groups that do not admit the load balancer fail their
				// checks: finish opens the groups, then waits for them.
				closed := c.closed != nil && *c.closed
				if (t.State == "unhealthy" || t.State == "unavailable") && !closed {
					broken("target %s is %s (%s)", t.ID, t.State, t.Reason)
				}
			}
		}
		if c.closed != nil && *c.closed {
			for _, t := range c.health {
				if strings.HasPrefix(t.ID, "i-") && !slices.Contains(f.openFor, t.ID) {
					f.openFor = append(f.openFor, t.ID)
				}
			}
			f.targetPort, f.mode = c.health[0].Port, c.mode
			fixes := ingressFixes(c.open, c.groupNames)
			if len(fixes) == 0 {
				broken("the targets' security groups do not admit the VPC's addresses on the target port, and they have no group to open: open them to the load balancer")
			}
			miss("a security group rule that admits the load balancer", "")
			f.Finish = append(f.Finish, fixes...)
		}
	}
	if l := c.link; l != nil {
		if f.ID == "" {
			f.ID = "link-" + l.ID
		}
		f.Run = cmp.Or(f.Run, l.Tags[awsops.TagRun])
		f.Exists.VPCLink = &FoundLink{ID: l.ID, Name: l.Name, Status: l.Status, StatusMessage: l.StatusMessage}
		what = append(what, "VPC link "+l.ID)
		switch l.Status {
		case "FAILED":
			broken("VPC link %s is FAILED (%s)", l.ID, l.StatusMessage)
		case "DELETING":
			broken("VPC link %s is being deleted", l.ID)
		}
		if c.lb == nil {
			broken("VPC link %s targets a load balancer that is gone (%s)", l.ID, strings.Join(l.TargetARNs, ", "))
		}
	} else if c.lb != nil {
		miss("a VPC link", "create a VPC link to load balancer "+c.lb.Name)
	}
	if len(c.apis) == 0 {
		if c.lb != nil || c.link != nil {
			miss("a REST API", "create a REST API with /{proxy+} (ANY) integrated through the VPC link, and deploy it to stage prod")
		}
	}
	for _, a := range c.apis {
		if f.ID == "" {
			f.ID = "api-" + a.api.ID
		}
		f.Run = cmp.Or(f.Run, a.api.Tags[awsops.TagRun])
		fa := FoundAPI{ID: a.api.ID, Name: a.api.Name, Via: a.via, Methods: a.methods, Deployments: a.deps}
		for _, s := range a.stages {
			fa.Stages = append(fa.Stages, FoundStage{Name: s.Name, Deployment: s.DeploymentID, Variables: s.Variables})
		}
		f.Exists.APIs = append(f.Exists.APIs, fa)
		what = append(what, "REST API "+a.api.Name+" ("+a.api.ID+")")
		f.methods = a.methods
		if len(a.methods) == 0 {
			miss("methods on /{proxy+} of API "+a.api.ID, "add ANY on /{proxy+} integrated through the VPC link")
		}
		switch {
		case a.deps == 0 && len(a.stages) == 0:
			miss("a deployment of API "+a.api.ID, "deploy API "+a.api.ID+" to stage prod with the stage variables")
		case len(a.stages) == 0:
			miss("a stage of API "+a.api.ID, "deploy API "+a.api.ID+" to stage prod with the stage variables")
		case a.varName != "":
			for _, s := range a.stages {
				var lack []string
				for _, v := range []string{awsops.StageVarLink, awsops.StageVarNLB} {
					if s.Variables[v] == "" {
						lack = append(lack, v)
					}
				}
				if len(lack) > 0 {
					miss(fmt.Sprintf("stage variables %s on stage %s of API %s", strings.Join(lack, ", "), s.Name, a.api.ID),
						fmt.Sprintf("set the stage variables of stage %s and deploy API %s again", s.Name, a.api.ID))
				}
			}
		}
		if c.lb == nil && c.link == nil {
			if a.via == "" {
				broken("API %s has a VPC_LINK integration that names no connectionId", a.api.ID)
			} else {
				broken("API %s integrates through %s, which reaches no VPC link in %s", a.api.ID, a.via, region)
			}
		}
	}
	f.port = port
	// Empty lists are [] in JSON, not null.
	for _, l := range []*[]string{&f.Missing, &f.Broken, &f.Finish} {
		if *l == nil {
			*l = []string{}
		}
	}
	switch {
	case f.Complete():
		f.Summary = "whole chain: " + strings.Join(what, " ← ")
	case len(what) == 0:
		f.Summary = "nothing"
	default:
		f.Summary = fmt.Sprintf("%s; missing %d, broken %d", strings.Join(what, " ← "), len(f.Missing), len(f.Broken))
	}
	return f
}

// ingressFixes says, one line per group and port, which sources finish admits.
func ingressFixes(rules []awsops.Rule, names map[string]string) []string {
	type key struct {
		group string
		port  int32
	}
	var keys []key
	srcs := map[key][]string{}
	for _, r := range rules {
		k := key{r.GroupID, r.FromPort}
		if _, ok := srcs[k]; !ok {
			keys = append(keys, k)
		}
		srcs[k] = append(srcs[k], r.CIDR)
	}
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("admit %s to %s on port %d", strings.Join(srcs[k], ", "), label(k.group, names[k.group]), k.port))
	}
	return out
}

// runOf is the newest live run of region whose journal holds the finding's load balancer,
// VPC link or REST API, or "".
func runOf(f Finding, runs []*Journal, region string) string {
	best := (*Journal)(nil)
	for _, j := range runs {
		if j.Region != region || j.State == StateDestroyed || j.State == StateRolledBack {
			continue
		}
		r := j.Resources
		match := (f.Exists.LoadBalancer != nil && r.LoadBalancerARN == f.Exists.LoadBalancer.ARN) ||
			(f.Exists.VPCLink != nil && r.VPCLinkID == f.Exists.VPCLink.ID) ||
			slices.ContainsFunc(f.Exists.APIs, func(a FoundAPI) bool { return a.ID == r.RestAPIID })
		if match && (best == nil || j.StartedAt.After(best.StartedAt)) {
			best = j
		}
	}
	if best == nil {
		return ""
	}
	return best.RunID
}

// Finishable reports why finish cannot complete the finding, or nil when it can: a chain
// finish can complete has its load balancer with a listener and healthy wiring, and nothing
// broken that needs a person's choice.
func (f *Finding) Finishable() error {
	if f.Complete() {
		return fmt.Errorf("%s is whole: there is nothing to finish (vpclink check sends a request through it)", f.ID)
	}
	if f.Exists.LoadBalancer == nil {
		return fmt.Errorf("%s has no load balancer: finish adopts one but does not choose its subnets and targets; build the chain with the wizard or vpclink apply -f PLAN", f.ID)
	}
	if len(f.Broken) > 0 {
		return fmt.Errorf("%s has what finish does not repair: %s", f.ID, strings.Join(f.Broken, "; "))
	}
	return nil
}

// planName turns a resource name into a plan name: lower case, at most MaxNameLength.
func planName(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	name := b.String()
	name = strings.TrimLeft(name, "-0123456789")
	if len(name) > MaxNameLength {
		name = name[:MaxNameLength]
	}
	name = strings.TrimRight(name, "-")
	return cmp.Or(name, "finish")
}

// TargetsNeededError is Finding.Plan's answer for a chain whose target group has no
// targets when no instances were named: nothing tells which instances serve the API. The
// plan comes back too, with targets.instances empty for a person to fill in.
type TargetsNeededError struct {
	ID      string
	Group   string
	Running []string // the VPC's running instances in the load balancer's zones
}

func (e *TargetsNeededError) Error() string {
	which := "the VPC has no running instance in the load balancer's zones"
	if len(e.Running) > 0 {
		which = "running in its zones: " + strings.Join(e.Running, ", ")
	}
	return fmt.Sprintf("%s: target group %s has no registered targets, and finish cannot tell which instances serve the API: name them with --instances NAME|ID[,…] (%s)", e.ID, e.Group, which)
}

// Plan turns the finding into a plan that adopts what exists (the load balancer by ARN, the
// VPC link and the REST API by id, the stage by name) and builds only what is missing. For
// a target group never given targets, instances names those finish registers (ids or Name
// tags); without them Plan returns the plan to fill in and a *TargetsNeededError. For
// security groups never opened, the plan names the registered instances and a mode, so that
// finish adds the rules.
func (f *Finding) Plan(instances ...string) (*Plan, error) {
	if err := f.Finishable(); err != nil {
		return nil, err
	}
	if len(instances) > 0 && !f.needTargets {
		return nil, fmt.Errorf("%s has registered targets: --instances is for a chain whose target group has none; leave it out", f.ID)
	}
	lb := f.Exists.LoadBalancer
	p := &Plan{Name: planName(lb.Name), Region: f.Region, VPC: f.Exists.VPC}
	p.LoadBalancer.Existing = lb.ARN
	p.LoadBalancer.Port = f.port
	if l := f.Exists.VPCLink; l != nil {
		p.VPCLink.Existing = l.ID
	}
	p.API.Methods = []string{"ANY"}
	p.Stage.Name = "prod"
	if len(f.Exists.APIs) > 0 {
		a := f.Exists.APIs[0]
		p.API.Existing = a.ID
		if len(a.Methods) > 0 {
			p.API.Methods = slices.Clone(a.Methods)
		}
		if len(a.Stages) > 0 {
			p.Stage.Name = a.Stages[0].Name
		}
	} else {
		p.API.Name = p.Name
	}
	p.API.Authorization = AuthNone
	switch {
	case f.needTargets:
		p.Targets.Instances = append([]string{}, instances...)
		p.Targets.Port = f.targetPort
		p.SecurityGroups.Mode = f.mode
		if len(instances) == 0 {
			p.Defaults()
			tg := ""
			if lb.TargetGroups != nil {
				tg = lb.TargetGroups[0]
			}
			return p, &TargetsNeededError{ID: f.ID, Group: tg, Running: f.running}
		}
	case len(f.openFor) > 0:
		p.Targets.Instances = slices.Clone(f.openFor)
		p.Targets.Port = f.targetPort
		p.SecurityGroups.Mode = f.mode
	}
	p.Defaults()
	if errs := p.Validate(); len(errs) > 0 {
		return nil, &PlanError{Source: "for finding " + f.ID, Errors: errs}
	}
	return p, nil
}

// Adopted lists what a run found in place and used without making it: the resources its
// destroy leaves. A stage it pointed at its own deployment is given back as it was.
func Adopted(j *Journal) []string {
	r := j.Resources
	var out []string
	if r.LoadBalancerReused && r.LoadBalancerARN != "" {
		out = append(out, "load balancer "+awsops.ResourceName(r.LoadBalancerARN)+" with its listeners, target groups and targets")
	}
	if r.VPCLinkReused && r.VPCLinkID != "" {
		out = append(out, "VPC link "+r.VPCLinkID)
	}
	if r.RestAPIReused && r.RestAPIID != "" {
		out = append(out, "REST API "+r.RestAPIID)
	}
	if r.StageExisted && r.Stage != "" {
		out = append(out, "stage "+r.Stage+", given back its deployment and variables")
	}
	return out
}

// DeleteAdopted deletes what a run adopted, for `vpclink destroy --include-adopted` after
// the run's own resources are gone: the REST API, then the VPC link (waiting until it is
// gone, as the load balancer cannot go before it), then the load balancer and the target
// groups its listeners forwarded to. Each deletion is saved in the journal as it happens;
// one already gone counts as deleted. Security group rules made by hand are left.
func DeleteAdopted(ctx context.Context, acct *awsops.Account, store *Store, j *Journal, say func(string)) error {
	run := &Run{j: j, store: store}
	r := j.Resources
	if r.RestAPIReused && r.RestAPIID != "" {
		say("Deleting adopted REST API " + r.RestAPIID + ".")
		if err := acct.DeleteRestAPI(ctx, r.RestAPIID); err != nil && !awsops.IsNotFound(err) {
			return err
		}
		if err := run.Record(func(r *Resources) { r.RestAPIID, r.RestAPIReused, r.StageExisted = "", false, false }); err != nil {
			return err
		}
	}
	if r.VPCLinkReused && r.VPCLinkID != "" {
		say("Deleting adopted VPC link " + r.VPCLinkID + ".")
		if err := acct.DeleteVPCLink(ctx, r.VPCLinkID); err != nil && !awsops.IsNotFound(err) {
			return err
		}
		if err := acct.WaitVPCLinkDeleted(ctx, r.VPCLinkID, func(string) {}); err != nil {
			return err
		}
		if err := run.Record(func(r *Resources) { r.VPCLinkID, r.VPCLinkReused = "", false }); err != nil {
			return err
		}
	}
	if r.LoadBalancerReused && r.LoadBalancerARN != "" {
		ls, err := acct.ListListeners(ctx, r.LoadBalancerARN)
		if err != nil && !awsops.IsNotFound(err) {
			return err
		}
		say("Deleting adopted load balancer " + awsops.ResourceName(r.LoadBalancerARN) + ".")
		if err := acct.DeleteLoadBalancer(ctx, r.LoadBalancerARN); err != nil {
			return err
		}
		for _, l := range ls {
			if l.TargetGroupARN == "" {
				continue
			}
			say("Deleting adopted target group " + awsops.ResourceName(l.TargetGroupARN) + ".")
			if err := acct.DeleteTargetGroup(ctx, l.TargetGroupARN); err != nil {
				return err
			}
		}
		if err := run.Record(func(r *Resources) { r.LoadBalancerARN, r.LoadBalancerDNS, r.LoadBalancerReused = "", "", false }); err != nil {
			return err
		}
	}
	return nil
}
