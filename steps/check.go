package steps

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/vpclink/vpclink/awsops"
)

// The hops of the chain, in the order a request crosses them.
const (
	HopStage          = "stage"
	HopVPCLink        = "vpc-link"
	HopLoadBalancer   = "load-balancer"
	HopListener       = "listener"
	HopTargetGroup    = "target-group"
	HopTargets        = "targets"
	HopSecurityGroups = "security-groups"
	HopNetworkACLs    = "network-acls"
	HopService        = "service"
)

// Hops is every hop, in the order a request crosses them and check reports them.
var Hops = []string{HopStage, HopVPCLink, HopLoadBalancer, HopListener, HopTargetGroup, HopTargets, HopSecurityGroups, HopNetworkACLs, HopService}

// CheckHop is what check found at one hop: whether it lets the request through, what it
// saw, and, when it does not, the fix (an AWS CLI command, or vpclink resume).
type CheckHop struct {
	Hop    string `json:"hop"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
}

// CheckRequest is the request check sent and what came back: from the invoke URL when it
// could be called, else from API Gateway's test invoke. Status 0 means no answer.
type CheckRequest struct {
	Path   string `json:"path"`
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// CheckReport is the result of a check: OK when the request reached the service and every
// hop is sound; Broken names the hop to fix first.
type CheckReport struct {
	OK      bool         `json:"ok"`
	RunID   string       `json:"runId"`
	Request CheckRequest `json:"request"`
	Hops    []CheckHop   `json:"hops"`
	Broken  string       `json:"broken,omitempty"`
	// Notes say what check could not try here, e.g. an operation the endpoint lacks.
	Notes []string `json:"notes,omitempty"`
}

// Hop returns the report's entry for a hop, or nil.
func (r *CheckReport) Hop(name string) *CheckHop {
	for i := range r.Hops {
		if r.Hops[i].Hop == name {
			return &r.Hops[i]
		}
	}
	return nil
}

// bodyExcerpt is how much of an answer's body a report keeps.
const bodyExcerpt = 300

// ephemeralFrom is the start of the ports answers return to: a network ACL must let them
// out of the targets' subnets, as AWS documents for load balancer targets.
const ephemeralFrom = 1024

// CheckRun sends a GET for path through a run's chain and walks it hop by hop: the stage and
// its variables, the VPC link, the load balancer, the listener on the integration URI's
// port, the target group, its targets' health, the security groups and network ACLs between
// the load balancer and the targets, and what the service answered. The request goes through
// API Gateway's test invoke with the stage's variables (no public call); where the invoke
// URL is reachable (not the demo account nor an emulator) a real request follows, with the
// API key or a SigV4 signature the method wants. An operation the endpoint does not offer
// is noted, and every hop is still walked. Only a cancelled context is an error: what a hop
// cannot read is reported at that hop.
func CheckRun(ctx context.Context, acct *awsops.Account, j *Journal, path string) (*CheckReport, error) {
	if path == "" {
		path = "/"
	}
	c := &checker{ctx: ctx, acct: acct, j: j, r: j.Resources, p: &j.Plan, report: &CheckReport{RunID: j.RunID, Request: CheckRequest{Path: path}}}
	c.stage()
	c.vpcLink()
	c.loadBalancer()
	c.listener()
	c.targetGroup()
	c.targets()
	c.securityGroups()
	c.networkACLs()
	c.service(path)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.report.decide()
	return c.report, nil
}

// decide sets OK and names the hop to fix first: the first that is broken, except that
// unhealthy targets are a symptom when a security group or network ACL blocks them.
func (r *CheckReport) decide() {
	r.OK = true
	for _, h := range r.Hops {
		if !h.OK {
			r.OK = false
			if r.Broken == "" {
				r.Broken = h.Hop
			}
		}
	}
	if r.Broken == HopTargets {
		for _, cause := range []string{HopSecurityGroups, HopNetworkACLs} {
			if h := r.Hop(cause); h != nil && !h.OK {
				r.Broken = cause
				break
			}
		}
	}
}

type checker struct {
	ctx    context.Context
	acct   *awsops.Account
	j      *Journal
	r      Resources
	p      *Plan
	report *CheckReport

	vars      map[string]string
	lb        *awsops.LoadBalancer
	tg        *awsops.TargetGroup
	tgARN     string
	instances []awsops.Instance
	// sources are the addresses the load balancer reaches the targets from.
	sources []netip.Prefix
	subnets map[string]awsops.Subnet
}

func (c *checker) add(hop string, ok bool, detail, fix string) {
	c.report.Hops = append(c.report.Hops, CheckHop{Hop: hop, OK: ok, Detail: detail, Fix: fix})
}

// failed reports a hop whose state could not be read, with the error's own advice.
func (c *checker) failed(hop, what string, err error) {
	fix := Recommend(err)
	if awsops.IsNotFound(err) {
		fix = c.resume()
	}
	c.add(hop, false, what+": "+awsops.ErrorMessage(err), fix)
}

func (c *checker) resume() string { return "vpclink resume " + c.j.RunID }

func (c *checker) stage() {
	if c.r.RestAPIID == "" || c.r.Stage == "" || c.r.DeploymentID == "" {
		c.add(HopStage, false, "the run has not deployed a stage yet", c.resume())
		return
	}
	st, err := c.acct.GetStage(c.ctx, c.r.RestAPIID, c.r.Stage)
	if err != nil {
		c.failed(HopStage, fmt.Sprintf("stage %s of API %s", c.r.Stage, c.r.RestAPIID), err)
		return
	}
	c.vars = st.Variables
	if st.DeploymentID == "" {
		c.add(HopStage, false, fmt.Sprintf("stage %s serves no deployment", c.r.Stage),
			fmt.Sprintf("aws apigateway create-deployment --rest-api-id %s --stage-name %s", c.r.RestAPIID, c.r.Stage))
		return
	}
	want := map[string]string{awsops.StageVarLink: c.r.VPCLinkID, awsops.StageVarNLB: c.r.LoadBalancerDNS}
	var problems, patches []string
	for _, name := range []string{awsops.StageVarLink, awsops.StageVarNLB} {
		got, ok := st.Variables[name]
		switch {
		case !ok || got == "":
			problems = append(problems, "stage variable "+name+" is not set")
		case got != want[name] && want[name] != "":
			problems = append(problems, fmt.Sprintf("stage variable %s is %s, not this run's %s", name, got, want[name]))
		default:
			continue
		}
		patches = append(patches, fmt.Sprintf("op=replace,path=/variables/%s,value=%s", name, want[name]))
	}
	if len(problems) > 0 {
		c.add(HopStage, false, fmt.Sprintf("stage %s of %s: %s; the integration reads them, so API Gateway answers 500", c.r.Stage, c.r.RestAPIID, strings.Join(problems, "; ")),
			fmt.Sprintf("aws apigateway update-stage --rest-api-id %s --stage-name %s --patch-operations %s", c.r.RestAPIID, c.r.Stage, strings.Join(patches, " ")))
		return
	}
	c.add(HopStage, true, fmt.Sprintf("stage %s of %s serves deployment %s; %s=%s, %s=%s", c.r.Stage, c.r.RestAPIID, st.DeploymentID,
		awsops.StageVarLink, st.Variables[awsops.StageVarLink], awsops.StageVarNLB, st.Variables[awsops.StageVarNLB]), "")
}

func (c *checker) vpcLink() {
	if c.r.VPCLinkID == "" {
		c.add(HopVPCLink, false, "the run has no VPC link yet", c.resume())
		return
	}
	l, err := c.acct.GetVPCLink(c.ctx, c.r.VPCLinkID)
	if err != nil {
		c.failed(HopVPCLink, "VPC link "+c.r.VPCLinkID, err)
		return
	}
	detail := fmt.Sprintf("%s is %s", l.ID, l.Status)
	if l.StatusMessage != "" {
		detail += " (" + l.StatusMessage + ")"
	}
	switch {
	case l.Status == "PENDING":
		c.add(HopVPCLink, false, detail+"; a new link takes a few minutes", "wait for AVAILABLE, then run vpclink check again")
	case l.Status != "AVAILABLE":
		c.add(HopVPCLink, false, detail+"; API Gateway answers 500 through it", c.resume()+" (it replaces a VPC link that is not AVAILABLE)")
	case c.r.LoadBalancerARN != "" && !slices.Contains(l.TargetARNs, c.r.LoadBalancerARN):
		c.add(HopVPCLink, false, fmt.Sprintf("%s targets %s, not this run's load balancer %s", detail, strings.Join(l.TargetARNs, ", "), awsops.ResourceName(c.r.LoadBalancerARN)), c.resume())
	default:
		c.add(HopVPCLink, true, detail+", to load balancer "+awsops.ResourceName(c.r.LoadBalancerARN), "")
	}
}

func (c *checker) loadBalancer() {
	if c.r.LoadBalancerARN == "" {
		c.add(HopLoadBalancer, false, "the run has no load balancer yet", c.resume())
		return
	}
	lb, err := c.acct.GetLoadBalancer(c.ctx, c.r.LoadBalancerARN)
	if err != nil {
		c.failed(HopLoadBalancer, "load balancer "+awsops.ResourceName(c.r.LoadBalancerARN), err)
		return
	}
	c.lb = &lb
	detail := fmt.Sprintf("%s is %s, %s, in %s", lb.Name, cmp.Or(lb.State, "in an unknown state"), cmp.Or(lb.Scheme, "of unknown scheme"), strings.Join(lb.Subnets, ", "))
	switch {
	case lb.State == "provisioning":
		c.add(HopLoadBalancer, false, detail, "wait a few minutes for it to become active, then run vpclink check again")
	case lb.State != "" && lb.State != "active":
		c.add(HopLoadBalancer, false, detail+": "+lb.Reason, c.resume())
	case lb.Scheme != "" && lb.Scheme != "internal":
		c.add(HopLoadBalancer, false, detail+": a VPC link needs an internal network load balancer", c.resume())
	default:
		c.add(HopLoadBalancer, true, detail, "")
	}
}

func (c *checker) listener() {
	port := ListenerPort(c.p)
	c.tgARN = c.r.TargetGroupARN
	if c.lb == nil {
		c.add(HopListener, false, "not checked: the load balancer cannot be read", "")
		return
	}
	list, err := c.acct.ListListeners(c.ctx, c.lb.ARN)
	if err != nil {
		c.failed(HopListener, "listeners of "+c.lb.Name, err)
		return
	}
	var ports []string
	for _, l := range list {
		if l.Port == port {
			if l.TargetGroupARN != "" {
				c.tgARN = l.TargetGroupARN
			}
			c.add(HopListener, true, fmt.Sprintf("%s %d, the integration URI's port, forwards to %s", cmp.Or(l.Protocol, "TCP"), port, awsops.ResourceName(l.TargetGroupARN)), "")
			return
		}
		ports = append(ports, fmt.Sprint(l.Port))
	}
	detail := fmt.Sprintf("%s has no listener on port %d, which the integration URI names", c.lb.Name, port)
	if len(ports) > 0 {
		detail += "; it listens on " + strings.Join(ports, ", ")
	}
	fix := c.resume()
	if c.r.LoadBalancerReused || c.r.ListenerARN == "" {
		fix = fmt.Sprintf("aws elbv2 create-listener --load-balancer-arn %s --protocol TCP --port %d --default-actions Type=forward,TargetGroupArn=%s", c.lb.ARN, port, c.tgARN)
	}
	c.add(HopListener, false, detail+"; API Gateway answers 500", fix)
}

func (c *checker) targetGroup() {
	if c.tgARN == "" {
		c.add(HopTargetGroup, false, "the run has no target group yet", c.resume())
		return
	}
	tg, err := c.acct.GetTargetGroup(c.ctx, c.tgARN)
	if err != nil {
		c.failed(HopTargetGroup, "target group "+awsops.ResourceName(c.tgARN), err)
		return
	}
	c.tg = &tg
	hc := tg.HealthCheck
	hcPort := "the traffic port"
	if hc.Port != 0 {
		hcPort = fmt.Sprintf("port %d", hc.Port)
	}
	detail := fmt.Sprintf("%s: %s port %d; health check HTTP GET %s on %s every %d s, %d to become healthy, %d unhealthy",
		tg.Name, cmp.Or(tg.Protocol, "TCP"), tg.Port, cmp.Or(hc.Path, "/"), hcPort, hc.Interval, hc.HealthyThreshold, hc.UnhealthyThreshold)
	if hc.Matcher != "" {
		detail += ", codes " + hc.Matcher
	}
	if c.r.TargetGroupARN != "" && tg.ARN != c.r.TargetGroupARN {
		detail += fmt.Sprintf(" (the listener forwards here, not to this run's %s)", awsops.ResourceName(c.r.TargetGroupARN))
	}
	c.add(HopTargetGroup, true, detail, "")
}

// targetPort is the port the load balancer sends requests to.
func (c *checker) targetPort() int32 {
	if c.tg != nil && c.tg.Port != 0 {
		return c.tg.Port
	}
	return c.p.Targets.Port
}

// healthPort is the port health checks go to.
func (c *checker) healthPort() int32 {
	if c.tg != nil {
		return cmp.Or(c.tg.HealthCheck.Port, c.targetPort())
	}
	return cmp.Or(c.p.LoadBalancer.HealthCheck.Port, c.targetPort())
}

func (c *checker) healthCheck() awsops.HealthCheck {
	if c.tg != nil {
		return c.tg.HealthCheck
	}
	return healthCheck(c.p)
}

func (c *checker) targets() {
	if c.tg == nil {
		c.add(HopTargets, false, "not checked: the target group cannot be read", "")
		return
	}
	list, err := c.acct.TargetHealth(c.ctx, c.tg.ARN)
	if err != nil {
		c.failed(HopTargets, "health of the targets of "+c.tg.Name, err)
		return
	}
	var ids []string
	for _, t := range list {
		ids = append(ids, t.ID)
	}
	if len(ids) > 0 {
		c.instances, err = c.acct.FindInstances(c.ctx, c.r.VPCID, ids)
		if err != nil {
			c.failed(HopTargets, "instances of "+c.tg.Name, err)
			return
		}
	}
	if len(list) == 0 {
		c.add(HopTargets, false, "no target is registered with "+c.tg.Name, c.resume())
		return
	}
	names := map[string]string{}
	for _, in := range c.instances {
		names[in.ID] = in.Name
	}
	var lines []string
	fix := ""
	healthy := 0
	for _, t := range list {
		rep := awsops.TargetReport{TargetHealth: t, Name: names[t.ID]}
		line := rep.Label() + ": " + t.State
		if t.Reason != "" {
			line += ", " + t.Reason
		}
		if t.Description != "" {
			line += " (" + t.Description + ")"
		}
		lines = append(lines, line)
		if t.State == awsops.TargetHealthy {
			healthy++
		} else if fix == "" {
			fix = rep.Advice(c.targetPort(), c.healthCheck(), 0)
			if awsops.Undecided(t) {
				fix = "AWS is still registering or checking " + rep.Label() + ": run vpclink check again in a minute"
			}
		}
	}
	detail := fmt.Sprintf("%d of %d healthy: %s", healthy, len(list), strings.Join(lines, "; "))
	c.add(HopTargets, healthy == len(list), detail, fix)
}

// loadSources finds where the load balancer's requests come from: its private IPs (when the
// run admits them one by one and they can be read), else its subnets' ranges.
func (c *checker) loadSources() error {
	if c.sources != nil || c.lb == nil {
		return nil
	}
	ids := slices.Clone(c.lb.Subnets)
	for _, in := range c.instances {
		ids = append(ids, in.SubnetID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	subnets, err := c.acct.FindSubnets(c.ctx, c.r.VPCID, ids)
	if err != nil {
		return err
	}
	c.subnets = map[string]awsops.Subnet{}
	for _, sn := range subnets {
		c.subnets[sn.ID] = sn
	}
	// A reused load balancer's groups were opened by someone else, to its addresses or to
	// wider ranges: its addresses are what must be admitted.
	if c.p.SecurityGroups.Mode == ModeNLBIPs || c.r.LoadBalancerReused {
		ips, err := c.acct.LoadBalancerIPs(c.ctx, c.lb.ARN)
		if err != nil {
			return err
		}
		for _, ip := range ips {
			if a, err := netip.ParseAddr(ip); err == nil {
				c.sources = append(c.sources, netip.PrefixFrom(a, 32))
			}
		}
	}
	if len(c.sources) == 0 {
		for _, id := range c.lb.Subnets {
			if p, err := netip.ParsePrefix(c.subnets[id].CIDR); err == nil {
				c.sources = append(c.sources, p)
			}
		}
	}
	return nil
}

func (c *checker) ports() []int32 {
	ports := []int32{c.targetPort()}
	if hp := c.healthPort(); hp != ports[0] {
		ports = append(ports, hp)
	}
	return ports
}

func (c *checker) securityGroups() {
	if c.lb == nil || len(c.instances) == 0 {
		c.add(HopSecurityGroups, false, "not checked: the load balancer or the targets cannot be read", "")
		return
	}
	if err := c.loadSources(); err != nil {
		c.failed(HopSecurityGroups, "addresses of "+c.lb.Name, err)
		return
	}
	var groupIDs []string
	for _, in := range c.instances {
		groupIDs = append(groupIDs, in.SecurityGroups...)
	}
	groups, err := c.acct.ListSecurityGroups(c.ctx, c.r.VPCID, groupIDs...)
	if err != nil {
		c.failed(HopSecurityGroups, "security groups of the targets", err)
		return
	}
	byID := map[string]awsops.SecurityGroup{}
	for _, g := range groups {
		byID[g.ID] = g
	}
	// One line per group set, source and port, naming the instances it leaves out.
	type gap struct {
		groups, src string
		port        int32
	}
	var gaps []gap
	who := map[gap][]string{}
	var fixes []string
	for _, in := range c.instances {
		for _, port := range c.ports() {
			for _, src := range c.sources {
				if admitted(in, byID, src.String(), port) {
					continue
				}
				g := gap{strings.Join(in.SecurityGroups, ", "), src.String(), port}
				if who[g] == nil {
					gaps = append(gaps, g)
				}
				who[g] = append(who[g], cmpOr(in.Name, in.ID))
				if len(in.SecurityGroups) > 0 {
					fix := fmt.Sprintf("aws ec2 authorize-security-group-ingress --group-id %s --protocol tcp --port %d --cidr %s", in.SecurityGroups[0], port, src)
					if !slices.Contains(fixes, fix) {
						fixes = append(fixes, fix)
					}
				}
			}
		}
	}
	var problems []string
	for _, g := range gaps {
		problems = append(problems, fmt.Sprintf("no rule of %s (%s) admits %s on port %d", cmp.Or(g.groups, "no security group"), strings.Join(who[g], ", "), g.src, g.port))
	}
	if len(problems) > 0 {
		c.add(HopSecurityGroups, false, strings.Join(problems, "; ")+"; the load balancer's checks and requests time out", strings.Join(fixes, "\n"))
		return
	}
	var srcs []string
	for _, s := range c.sources {
		srcs = append(srcs, s.String())
	}
	c.add(HopSecurityGroups, true, fmt.Sprintf("every target's groups admit the load balancer (%s) on port %s", strings.Join(srcs, ", "), joinPorts(c.ports())), "")
}

func (c *checker) networkACLs() {
	if c.lb == nil || len(c.instances) == 0 {
		c.add(HopNetworkACLs, false, "not checked: the load balancer or the targets cannot be read", "")
		return
	}
	if err := c.loadSources(); err != nil {
		c.failed(HopNetworkACLs, "addresses of "+c.lb.Name, err)
		return
	}
	var ids []string
	for id := range c.subnets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	acls, err := c.acct.NetworkACLs(c.ctx, c.r.VPCID, ids)
	if err != nil {
		c.failed(HopNetworkACLs, "network ACLs of "+c.r.VPCID, err)
		return
	}
	var problems, fixes []string
	seen := map[string]bool{}
	// taken are the rule numbers of each ACL and direction that exist or that a fix adds:
	// EC2 refuses a second rule with a number already used.
	taken := map[string]bool{}
	for _, acl := range acls {
		for _, e := range acl.Entries {
			taken[fmt.Sprint(acl.ID, e.Egress, e.RuleNumber)] = true
		}
	}
	// need checks one direction of one ACL, once.
	need := func(subnetID string, egress bool, peer netip.Prefix, from, to int32, what string) {
		acl, ok := acls[subnetID]
		key := fmt.Sprint(acl.ID, egress, peer, from, to)
		if !ok || seen[key] {
			return
		}
		seen[key] = true
		allowed, rule := acl.Allows(egress, peer, from, to)
		if allowed {
			return
		}
		dir, flag, peerWord := "inbound", "--ingress", "from"
		if egress {
			dir, flag, peerWord = "outbound", "--egress", "to"
		}
		ports := fmt.Sprint(from)
		if to != from {
			ports = fmt.Sprintf("%d-%d", from, to)
		}
		why := "no rule allows it"
		// The allow must come before the rule that decided: the highest free number below it.
		number := int32(100)
		if rule.RuleNumber != 0 {
			why = fmt.Sprintf("rule %d denies it", rule.RuleNumber)
			number = rule.RuleNumber - 1
		}
		for number >= 1 && taken[fmt.Sprint(acl.ID, egress, number)] {
			number--
		}
		problems = append(problems, fmt.Sprintf("%s of subnet %s blocks %s TCP %s %s %s (%s): %s", acl.ID, cmpOr(c.subnets[subnetID].Name, subnetID), dir, ports, peerWord, peer, what, why))
		if number < 1 {
			// No number is free before the deny: it has to go.
			if rule.RuleNumber != 0 {
				fixes = append(fixes, fmt.Sprintf("aws ec2 delete-network-acl-entry --network-acl-id %s %s --rule-number %d", acl.ID, flag, rule.RuleNumber))
			}
			return
		}
		taken[fmt.Sprint(acl.ID, egress, number)] = true
		fixes = append(fixes, fmt.Sprintf("aws ec2 create-network-acl-entry --network-acl-id %s %s --rule-number %d --protocol tcp --port-range From=%d,To=%d --cidr-block %s --rule-action allow",
			acl.ID, flag, number, from, to, peer))
	}
	for _, in := range c.instances {
		ip, err := netip.ParseAddr(in.PrivateIP)
		if err != nil {
			continue
		}
		target := netip.PrefixFrom(ip, 32)
		own, _ := netip.ParsePrefix(c.subnets[in.SubnetID].CIDR)
		for _, src := range c.sources {
			if own.IsValid() && own.Contains(src.Addr()) && own.Bits() <= src.Bits() {
				continue // within one subnet, no network ACL is crossed
			}
			for _, port := range c.ports() {
				need(in.SubnetID, false, src, port, port, "the load balancer to "+cmpOr(in.Name, in.ID))
			}
			need(in.SubnetID, true, src, ephemeralFrom, 65535, "answers back to the load balancer")
			for _, lbSubnet := range c.lb.Subnets {
				p, err := netip.ParsePrefix(c.subnets[lbSubnet].CIDR)
				if err != nil || !p.Overlaps(src) {
					continue
				}
				for _, port := range c.ports() {
					need(lbSubnet, true, target, port, port, "the load balancer to "+cmpOr(in.Name, in.ID))
				}
				need(lbSubnet, false, target, ephemeralFrom, 65535, "answers from "+cmpOr(in.Name, in.ID))
			}
		}
	}
	if len(problems) > 0 {
		c.add(HopNetworkACLs, false, strings.Join(problems, "; "), strings.Join(fixes, "\n"))
		return
	}
	var used []string
	for _, id := range ids {
		if acl, ok := acls[id]; ok && !slices.Contains(used, acl.ID) {
			used = append(used, acl.ID)
		}
	}
	c.add(HopNetworkACLs, true, fmt.Sprintf("network ACL %s lets the load balancer reach the targets on port %s, and the answers back", strings.Join(used, ", "), joinPorts(c.ports())), "")
}

// verb is the method check sends: GET when the API has it, else ANY, else its first.
func (c *checker) verb() string {
	m := c.p.API.Methods
	switch {
	case slices.Contains(m, "GET"):
		return "GET"
	case slices.Contains(m, "ANY"):
		return "ANY"
	case len(m) > 0:
		return m[0]
	}
	return "GET"
}

// unavailable reports whether err says the endpoint does not offer the operation at all
// (an emulator), as opposed to refusing this call.
func unavailable(err error) bool {
	var pe *awsops.PermissionError
	var te *awsops.ThrottleError
	if errors.As(err, &pe) || errors.As(err, &te) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	msg := awsops.ErrorMessage(err)
	return !(awsops.IsNotFound(err) && strings.Contains(msg, "Invalid ") && strings.Contains(msg, "identifier specified"))
}

// unavailableWhy says briefly how the endpoint refused an operation it lacks: AWS's error
// code and message, else the HTTP status it answered.
func unavailableWhy(err error) string {
	if code := awsops.ErrorCode(err); code != "" {
		return code + ": " + awsops.ErrorMessage(err)
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("it answers HTTP %d", re.HTTPStatusCode())
	}
	return err.Error()
}

// gatewayFailed reports whether an answer is API Gateway's own failure to reach the
// service: its 500 for a configuration error, or 504.
func gatewayFailed(status int, body string, log []string) (bool, string) {
	for _, l := range log {
		if i := strings.Index(l, "Execution failed"); i >= 0 {
			return true, l[i:]
		}
	}
	switch {
	case status == 504:
		return true, "Endpoint request timed out"
	case status == 500 && strings.Contains(body, "Internal server error"):
		return true, "Internal server error"
	case status == 0:
		return true, "no answer"
	}
	return false, ""
}

func excerpt(body string) string {
	body = strings.TrimSpace(body)
	if len(body) <= bodyExcerpt {
		return body
	}
	cut := bodyExcerpt
	for cut > 0 && (body[cut]&0xC0) == 0x80 {
		cut-- // not inside a UTF-8 sequence
	}
	return body[:cut] + "…"
}

func (c *checker) service(path string) {
	verb := c.verb()
	var parts []string
	reached, tried := false, false
	fix := ""
	resourceID, resourcePath := c.r.ProxyResourceID, "/{proxy+}"
	if path == "/" || resourceID == "" {
		resourcePath = "/"
		rs, err := c.acct.ListResources(c.ctx, c.r.RestAPIID)
		if err == nil {
			resourceID = rs["/"].ID
			if path != "/" {
				resourceID, resourcePath = rs["/{proxy+}"].ID, "/{proxy+}"
			}
		}
	}
	switch {
	case c.r.RestAPIID == "" || resourceID == "":
		parts = append(parts, "the run has no resource to send "+path+" to")
		fix = c.resume()
	default:
		inv, err := c.acct.TestInvoke(c.ctx, c.r.RestAPIID, resourceID, verb, path, c.vars)
		switch {
		case err == nil:
			tried = true
			c.report.Request.Status, c.report.Request.Body = inv.Status, excerpt(inv.Body)
			if failed, why := gatewayFailed(inv.Status, inv.Body, inv.Log); failed {
				parts = append(parts, fmt.Sprintf("test invoke of %s %s (%s) answered %d: %s", verb, path, resourcePath, inv.Status, why))
			} else {
				reached = true
				parts = append(parts, fmt.Sprintf("test invoke of %s %s answered %d from the service: %s", verb, path, inv.Status, excerpt(inv.Body)))
			}
		case unavailable(err):
			note := fmt.Sprintf("TestInvokeMethod is not available at this endpoint (%s): the request was not sent through the chain", unavailableWhy(err))
			c.report.Notes = append(c.report.Notes, note)
			parts = append(parts, "not sent: "+note)
			fix = "send a request to the invoke URL, or run vpclink check against AWS itself"
		default:
			parts = append(parts, fmt.Sprintf("test invoke of %s %s: %s", verb, path, awsops.ErrorMessage(err)))
			fix = Recommend(err)
			if awsops.IsNotFound(err) {
				fix = c.resume()
			}
		}
	}
	if url := c.j.InvokeURL(); url != "" && c.acct.CanCallInvokeURL() && c.p.API.EndpointType != "PRIVATE" {
		// A request that does not get out of this machine says nothing about the chain.
		if ans, err := c.callInvokeURL(url+path, verb); err != nil {
			parts = append(parts, fmt.Sprintf("the invoke URL could not be called from here: %s", err))
		} else {
			tried = true
			c.report.Request.Status, c.report.Request.Body = ans.Status, excerpt(ans.Body)
			fromService := ans.ErrorType == "" && ans.Status > 0 && ans.Status < 500
			parts = append(parts, fmt.Sprintf("the invoke URL answered %d%s: %s", ans.Status, map[bool]string{true: " from the service", false: " from API Gateway (" + ans.ErrorType + ")"}[fromService], excerpt(ans.Body)))
			reached = fromService
			if !fromService && fix == "" {
				fix = "the chain behind API Gateway is fine if the test invoke reached the service: check the method's authorization and the API key or signature"
			}
		}
	}
	if !reached && tried && fix == "" {
		fix = "fix the first broken hop above; " + c.resume() + " rebuilds what is missing"
		if c.report.Request.Status == 504 {
			fix = fmt.Sprintf("the targets do not answer in time: check that the service listens on port %d and that security groups and network ACLs admit the load balancer", c.targetPort())
		}
	}
	c.add(HopService, reached, strings.Join(parts, "; "), fix)
}

// callInvokeURL sends the request a client would: with the run's API key for API_KEY (read
// here, sent once, never kept), signed for AWS_IAM.
func (c *checker) callInvokeURL(url, verb string) (awsops.Answer, error) {
	if verb == "ANY" {
		verb = "GET"
	}
	key := ""
	if c.p.API.Authorization == AuthAPIKey && c.r.APIKeyID != "" {
		v, err := c.acct.APIKeyValue(c.ctx, c.r.APIKeyID)
		if err != nil {
			return awsops.Answer{}, err
		}
		key = v
	}
	return c.acct.CallInvokeURL(c.ctx, verb, url, key, c.p.API.Authorization == AuthIAM)
}

// LatestRun returns the most recent run in store that acct's account made in its region (on
// the demo account when demo is set) and that has built something to check. A run of another
// account is passed over, not refused: it is not this account's latest.
func LatestRun(ctx context.Context, store *Store, acct *awsops.Account, demo bool) (*Journal, error) {
	list, err := store.List()
	if err != nil {
		return nil, err
	}
	account := ""
	for i := len(list) - 1; i >= 0; i-- {
		j := list[i]
		if j.Region != acct.Region || j.Demo != demo || j.Resources.RestAPIID == "" || j.State == StateDestroyed || j.State == StateRolledBack {
			continue
		}
		if j.Account != "" && account == "" {
			id, err := acct.Identity(ctx)
			if err != nil {
				return nil, err
			}
			account = id.Account
		}
		if j.Account == "" || j.Account == account {
			return j, nil
		}
	}
	region := acct.Region
	return nil, fmt.Errorf("%w in region %s with a REST API to check, in %s: build one with vpclink apply -f PLAN, or name a run (vpclink status lists them)", ErrNoRun, region, store.Dir)
}
