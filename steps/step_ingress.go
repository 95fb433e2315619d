package steps

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// IDIngress names the step that lets the load balancer reach the instances.
const IDIngress = "authorize-ingress"

// Messages of the security group step.
const (
	fmtIngStart  = "Allowing %s to reach port %d in %s."
	fmtIngDone   = "Allowed %s to reach port %d in %s."
	fmtIngFailed = "Failed to allow %s in %s"
)

// ingressStep adds the security group rules that let the load balancer reach the instances.
type ingressStep struct{ acct *awsops.Account }

func (ingressStep) ID() string           { return IDIngress }
func (ingressStep) Title() string        { return "Security group rules" }
func (ingressStep) Applies(p *Plan) bool { return opensGroups(p) }

// Do relies on the rules already in place and adds, inside the VPC's CIDR only, those
// that are missing.
func (s ingressStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	t, err := targetsOf(ctx, s.acct, run)
	if err != nil {
		return err
	}
	srcs, err := IngressSources(ctx, s.acct, p.SecurityGroups.Mode, res.LoadBalancerARN, res.VPCCIDR)
	if err != nil {
		return err
	}
	if p.SecurityGroups.Mode == ModeNLBIPs {
		if err := run.Record(func(r *Resources) { r.LoadBalancerIPs = srcs }); err != nil {
			return err
		}
	}
	// Only the targets and their groups are read: the VPC may hold thousands of instances.
	instances, err := s.acct.FindInstances(ctx, res.VPCID, res.InstanceIDs)
	if err != nil {
		return err
	}
	var groupIDs []string
	for _, i := range instances {
		groupIDs = append(groupIDs, i.SecurityGroups...)
	}
	var groups []awsops.SecurityGroup
	if len(groupIDs) > 0 {
		if groups, err = s.acct.ListSecurityGroups(ctx, res.VPCID, groupIDs...); err != nil {
			return err
		}
	}
	desc := ruleDescription(run.ID())
	// Rules a crashed attempt added carry our description: count them as ours.
	for _, g := range groups {
		for _, r := range g.Ingress {
			if r.Description == desc && !slices.Contains(res.Ingress, r) {
				if err := run.Record(func(x *Resources) { x.Ingress = append(x.Ingress, r) }); err != nil {
					return err
				}
			}
		}
	}
	// Rules already in place (the user's, or another run's) are relied on, not created: undo
	// leaves them to whoever made them.
	byID := map[string]awsops.SecurityGroup{}
	for _, g := range groups {
		byID[g.ID] = g
	}
	for _, in := range instances {
		for _, port := range t.ports {
			for _, src := range srcs {
				r, ok := admitting(in, byID, src, port)
				if !ok || r.Description == desc || hasRule(run.Resources().Ingress, r) {
					continue
				}
				if err := recordShared(run, r); err != nil {
					return err
				}
			}
		}
	}
	rules := IngressRules(instances, groups, srcs, t.ports, desc)
	if len(rules) > 0 {
		// Whatever the journal says, no rule admits more than the VPC's own addresses.
		if err := checkWithinVPC(ctx, s.acct, res.VPCID, rules); err != nil {
			return err
		}
	}
	for _, r := range rules {
		rep.Start(fmt.Sprintf(fmtIngStart, r.CIDR, r.FromPort, r.GroupID))
		added, err := s.acct.AuthorizeIngress(ctx, r, tags(run))
		if err != nil {
			return awsops.Failed(err, fmtIngFailed, r.CIDR, r.GroupID)
		}
		if !added {
			// AWS has the rule already (InvalidPermission.Duplicate): another run made it
			// since the groups were listed. It is shared, not this run's.
			if err := recordShared(run, r); err != nil {
				return err
			}
			continue
		}
		if err := run.Record(func(x *Resources) { x.Ingress = append(x.Ingress, r) }); err != nil {
			return err
		}
	}
	res = run.Resources()
	ports := joinPorts(t.ports)
	switch n, shared := len(res.Ingress), len(res.IngressShared); {
	case n == 0 && shared == 0:
		rep.Stop("The security groups already admit the load balancer; no rule added.")
	case n == 0:
		rep.Stop(fmt.Sprintf("%d rule(s) already in place admit the load balancer on port %s; no rule added.", shared, ports))
	case shared == 0:
		rep.Stop(fmt.Sprintf("%d rule(s) admit the load balancer on port %s.", n, ports))
	default:
		rep.Stop(fmt.Sprintf("%d rule(s) added and %d already in place admit the load balancer on port %s.", n, shared, ports))
	}
	return nil
}

// Undo revokes the rules this run created, except those another live run relies on
// (AWS keeps one rule per group, protocol, port and CIDR, so two runs may need the same
// rule): those stay, and that run keeps them. A rule this run found in place is revoked
// only when the run that made it is over and no live run relies on it any more; the user's
// own rules are never touched.
func (s ingressStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	rules := res.Ingress
	if res.VPCID != "" && !res.LoadBalancerReused {
		// Rules carry the run in their description: find those the journal missed.
		groups, err := s.acct.ListSecurityGroups(ctx, res.VPCID)
		if err != nil {
			return err
		}
		for _, g := range groups {
			for _, r := range g.Ingress {
				if r.Description == ruleDescription(run.ID()) && !slices.Contains(rules, r) {
					rules = append(rules, r)
				}
			}
		}
	}
	if len(rules) > 0 {
		what := fmt.Sprintf("%d security group rule(s) that admit load balancer %s", len(rules), awsops.ResourceName(res.LoadBalancerARN))
		if err := keepForLoadBalancerUser(run, what); err != nil {
			return err
		}
	}
	others, err := run.others()
	if err != nil {
		return err
	}
	others = sameVPC(others, res.VPCID)
	var instances []awsops.Instance
	if len(others) > 0 && len(rules)+len(res.IngressShared) > 0 {
		if instances, err = s.acct.ListInstances(ctx, res.VPCID); err != nil {
			return err
		}
	}
	for _, rule := range rules {
		if by := ruleUser(others, rule, instances); by != "" {
			rep.Stop(fmt.Sprintf("Keeping %s port %d in %s: run %s relies on it and keeps it.", rule.CIDR, rule.FromPort, rule.GroupID, by))
		} else {
			rep.Start(fmt.Sprintf("Revoking %s port %d in %s.", rule.CIDR, rule.FromPort, rule.GroupID))
			if err := s.acct.RevokeIngress(ctx, rule); err != nil {
				return err
			}
		}
		if err := run.Record(func(r *Resources) {
			r.Ingress = slices.DeleteFunc(r.Ingress, func(x awsops.Rule) bool { return x == rule })
		}); err != nil {
			return err
		}
	}
	for _, rule := range res.IngressShared {
		creator := ruleCreator(rule)
		if creator != "" && creator != run.ID() && ruleUser(others, rule, instances) == "" && runIsOver(run, creator) {
			rep.Start(fmt.Sprintf("Revoking %s port %d in %s, left by run %s, which is over; no run relies on it any more.", rule.CIDR, rule.FromPort, rule.GroupID, creator))
			if err := s.acct.RevokeIngress(ctx, rule); err != nil {
				return err
			}
		}
		if err := run.Record(func(r *Resources) {
			r.IngressShared = slices.DeleteFunc(r.IngressShared, func(x awsops.Rule) bool { return x == rule })
		}); err != nil {
			return err
		}
	}
	return nil
}

// IngressRules returns the rules that let the NLB reach the instances: for each instance not
// yet admitted on each needed port, a rule in its first security group from each source.
// Sources are the NLB's private IPs (/32 each) or the VPC's CIDR; never 0.0.0.0/0.
func IngressRules(instances []awsops.Instance, groups []awsops.SecurityGroup, sources []string, ports []int32, desc string) []awsops.Rule {
	byID := map[string]awsops.SecurityGroup{}
	for _, g := range groups {
		byID[g.ID] = g
	}
	var rules []awsops.Rule
	for _, in := range instances {
		if len(in.SecurityGroups) == 0 {
			continue
		}
		for _, port := range ports {
			for _, src := range sources {
				if admitted(in, byID, src, port) {
					continue
				}
				r := awsops.Rule{GroupID: in.SecurityGroups[0], Protocol: "tcp", FromPort: port, ToPort: port, CIDR: src, Description: desc}
				if !slices.Contains(rules, r) {
					rules = append(rules, r)
				}
			}
		}
	}
	return rules
}

// admitted reports whether one of the instance's groups already lets all of src reach port.
func admitted(in awsops.Instance, groups map[string]awsops.SecurityGroup, src string, port int32) bool {
	_, ok := admitting(in, groups, src, port)
	return ok
}

// admitting returns the first rule of the instance's groups that lets all of src reach port.
func admitting(in awsops.Instance, groups map[string]awsops.SecurityGroup, src string, port int32) (awsops.Rule, bool) {
	want, err := netip.ParsePrefix(src)
	if err != nil {
		return awsops.Rule{}, false
	}
	for _, gid := range in.SecurityGroups {
		for _, r := range groups[gid].Ingress {
			have, err := netip.ParsePrefix(r.CIDR)
			if err != nil || have.Bits() > want.Bits() || !have.Contains(want.Addr()) {
				continue
			}
			if r.Protocol == "-1" || (r.Protocol == "tcp" && r.FromPort <= port && port <= r.ToPort) {
				return r, true
			}
		}
	}
	return awsops.Rule{}, false
}

// checkWithinVPC refuses rules whose source is not inside the VPC's CIDR as AWS reports it
// now, not as a journal (a file anyone may edit) recorded it.
func checkWithinVPC(ctx context.Context, acct *awsops.Account, vpcID string, rules []awsops.Rule) error {
	vpcs, err := acct.ListVPCs(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(vpcs, func(v awsops.VPC) bool { return v.ID == vpcID })
	if i < 0 {
		return fmt.Errorf("check the security group rules against %s: AWS lists no such VPC", vpcID)
	}
	vpc, err := netip.ParsePrefix(vpcs[i].CIDR)
	if err != nil {
		return fmt.Errorf("check the security group rules against %s: its CIDR %q: %w", vpcID, vpcs[i].CIDR, err)
	}
	for _, r := range rules {
		src, err := netip.ParsePrefix(r.CIDR)
		if err != nil || src.Bits() < vpc.Bits() || !vpc.Contains(src.Addr()) || src.Addr().Is4() != vpc.Addr().Is4() {
			return fmt.Errorf("authorize %s in %s: refused, as it is not inside %s's CIDR %s; vpclink never opens a security group wider than the VPC (check the run's journal, which names this source)", r.CIDR, r.GroupID, vpcID, vpc)
		}
	}
	return nil
}

// IngressSources returns where the NLB's traffic comes from for the plan's mode.
func IngressSources(ctx context.Context, acct *awsops.Account, mode, lbARN, vpcCIDR string) ([]string, error) {
	if mode == ModeVPCCIDR {
		return []string{vpcCIDR}, nil
	}
	ips, err := acct.LoadBalancerIPs(ctx, lbARN)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("find the private IPs of %s: AWS lists no network interface for it yet; retry in a minute, or set securityGroups.mode to %s", awsops.ResourceName(lbARN), ModeVPCCIDR)
	}
	var srcs []string
	for _, ip := range ips {
		srcs = append(srcs, ip+"/32")
	}
	return srcs, nil
}

// IngressPorts are the ports the NLB uses to reach targets: traffic and health checks.
func IngressPorts(p *Plan) []int32 {
	ports := []int32{p.Targets.Port}
	if hp := p.LoadBalancer.HealthCheck.Port; hp != 0 && hp != p.Targets.Port {
		ports = append(ports, hp)
	}
	return ports
}

// recordShared records a rule the run relies on but did not create.
func recordShared(run *Run, r awsops.Rule) error {
	if hasRule(run.Resources().IngressShared, r) {
		return nil
	}
	return run.Record(func(x *Resources) { x.IngressShared = append(x.IngressShared, r) })
}

// runIsOver reports whether the store holds the journal of run id and it is destroyed or
// rolled back. A run it cannot read counts as not over: its rules stay.
func runIsOver(run *Run, id string) bool {
	if run.store == nil {
		return false
	}
	j, err := run.store.Load(id)
	return err == nil && !j.Live()
}

func joinPorts(ports []int32) string {
	var s []string
	for _, p := range ports {
		s = append(s, fmt.Sprint(p))
	}
	return strings.Join(s, ", ")
}
