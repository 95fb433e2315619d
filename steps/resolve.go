package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// Resolution is a plan checked against the account: names turned into resources, what will be
// reused, and warnings the user should read before anything is created.
type Resolution struct {
	// Account is the id of the account the plan was checked in (from STS): the run belongs to it.
	Account      string
	VPC          awsops.VPC
	Subnets      []awsops.Subnet
	Instances    []awsops.Instance
	LoadBalancer *awsops.LoadBalancer
	VPCLink      *awsops.VPCLink
	RestAPI      *awsops.RestAPI
	Warnings     []string
}

// Resolve looks up every resource the plan names, by id or Name tag, and checks that they fit
// together. Problems come back as a *PlanError naming the fields.
func Resolve(ctx context.Context, acct *awsops.Account, p *Plan) (*Resolution, error) {
	res := &Resolution{}
	var errs []*FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	done := func() (*Resolution, error) {
		if len(errs) > 0 {
			return nil, &PlanError{Source: "for " + p.Name, Errors: errs}
		}
		return res, nil
	}

	id, err := acct.Identity(ctx)
	if err != nil {
		return nil, err
	}
	res.Account = id.Account

	vpcs, err := acct.ListVPCs(ctx)
	if err != nil {
		return nil, err
	}
	vpc, ok := find(vpcs, p.VPC, func(v awsops.VPC) (string, string) { return v.ID, v.Name })
	if !ok {
		add("vpc", "no VPC %q in %s: name one of %s", p.VPC, acct.Region, listOf(vpcs, func(v awsops.VPC) string { return label(v.ID, v.Name) }))
		return done()
	}
	res.VPC = vpc

	if p.LoadBalancer.Existing != "" {
		lb, err := acct.GetLoadBalancer(ctx, p.LoadBalancer.Existing)
		switch {
		case awsops.IsNotFound(err):
			add("loadBalancer.existing", "no load balancer %q in %s", p.LoadBalancer.Existing, acct.Region)
		case err != nil:
			return nil, err
		case lb.Type != "network" || lb.Scheme != "internal":
			add("loadBalancer.existing", "%s is an %s %s load balancer: a VPC link needs an internal network load balancer", lb.Name, lb.Scheme, lb.Type)
		case lb.VPCID != vpc.ID:
			add("loadBalancer.existing", "%s is in %s, not in the plan's VPC %s", lb.Name, lb.VPCID, vpc.ID)
		default:
			res.LoadBalancer = &lb
			listeners, err := acct.ListListeners(ctx, lb.ARN)
			if err != nil {
				return nil, err
			}
			// The integration URI names the listener's port: API Gateway calls only that one.
			port := ListenerPort(p)
			var ports []string
			found := false
			for _, l := range listeners {
				ports = append(ports, fmt.Sprint(l.Port))
				found = found || l.Port == port
			}
			switch {
			case len(listeners) == 0:
				add("loadBalancer.existing", "load balancer %s has no listener, so API Gateway's requests would find nothing to answer them: add a TCP listener on port %d to it, or choose another load balancer", lb.Name, port)
			case !found:
				add("loadBalancer.port", "load balancer %s has no listener on port %d; it listens on %s: set loadBalancer.port to one of them", lb.Name, port, strings.Join(ports, ", "))
			}
			if len(p.Targets.Instances) > 0 {
				if err := resolveAdoptedTargets(ctx, acct, p, res, add); err != nil {
					return nil, err
				}
			}
		}
	} else {
		// Look up only what the plan names: a large account's VPC holds thousands of instances.
		subnets, err := acct.FindSubnets(ctx, vpc.ID, p.Subnets)
		if err != nil {
			return nil, err
		}
		var all []awsops.Subnet // the VPC's subnets, listed only to say which ones there are
		azs := map[string]string{}
		for _, want := range p.Subnets {
			s, ok := find(subnets, want, func(s awsops.Subnet) (string, string) { return s.ID, s.Name })
			if !ok {
				if all == nil {
					if all, err = acct.ListSubnets(ctx, vpc.ID); err != nil {
						return nil, err
					}
				}
				add("subnets", "no subnet %q in %s: name some of %s", want, vpc.ID, listOf(all, func(s awsops.Subnet) string { return label(s.ID, s.Name) }))
				continue
			}
			if other, dup := azs[s.AZ]; dup {
				add("subnets", "%s and %s are both in %s: a load balancer takes one subnet per Availability Zone", other, label(s.ID, s.Name), s.AZ)
				continue
			}
			azs[s.AZ] = label(s.ID, s.Name)
			if s.Public {
				res.Warnings = append(res.Warnings, fmt.Sprintf("subnet %s is public: an internal load balancer normally goes in private subnets", label(s.ID, s.Name)))
			}
			res.Subnets = append(res.Subnets, s)
		}
		if len(res.Subnets) == 1 {
			res.Warnings = append(res.Warnings, "the load balancer will be in one Availability Zone only: choose subnets in two or more so that one zone's outage does not take the API down")
		}
		instances, err := acct.FindInstances(ctx, vpc.ID, p.Targets.Instances)
		if err != nil {
			return nil, err
		}
		usable := 0
		for _, want := range p.Targets.Instances {
			in, ok := pickInstance(instances, want, vpc.ID, res, add, func() {
				add("targets.instances", "no instance %q in %s that is not terminated: name one by its id (i-…) or its Name tag; `aws ec2 describe-instances --filters Name=vpc-id,Values=%s` lists them", want, vpc.ID, vpc.ID)
			})
			if !ok {
				continue
			}
			res.Instances = append(res.Instances, in)
			_, covered := azs[in.AZ]
			covered = covered || in.AZ == "" // AWS always names it; an emulator may not
			switch {
			case in.State != "running":
				res.Warnings = append(res.Warnings, fmt.Sprintf("instance %s is %s: it is registered, but gets no traffic until it runs", label(in.ID, in.Name), in.State))
			case !covered && len(azs) > 0:
				res.Warnings = append(res.Warnings, fmt.Sprintf("instance %s is in %s, which no chosen subnet covers: the load balancer will not send it traffic", label(in.ID, in.Name), in.AZ))
			default:
				usable++
			}
		}
		if len(res.Instances) > 0 && len(res.Subnets) > 0 && usable == 0 {
			add("targets.instances", "none of the instances runs in an Availability Zone of the chosen subnets, so no target could become healthy: add a running instance in %s, or a subnet in an instance's zone", strings.Join(slices.Sorted(maps.Keys(azs)), ", "))
		}
	}

	if id := p.VPCLink.Existing; id != "" {
		l, err := acct.GetVPCLink(ctx, id)
		switch {
		case awsops.IsNotFound(err):
			add("vpcLink.existing", "no VPC link %q in %s", id, acct.Region)
		case err != nil:
			return nil, err
		case res.LoadBalancer != nil && !slices.Contains(l.TargetARNs, res.LoadBalancer.ARN):
			add("vpcLink.existing", "VPC link %s targets %s, not the load balancer %s", id, strings.Join(l.TargetARNs, ", "), res.LoadBalancer.Name)
		case l.Status == "FAILED" || l.Status == "DELETING":
			add("vpcLink.existing", "VPC link %s is %s (%s): choose another, or leave vpcLink empty to create one", id, l.Status, l.StatusMessage)
		default:
			res.VPCLink = &l
		}
	}
	if p.VPCLink.Existing == "" && res.LoadBalancer != nil {
		// A load balancer can be behind one VPC link only: reuse the link it already has.
		links, err := acct.ListVPCLinks(ctx)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			if slices.Contains(l.TargetARNs, res.LoadBalancer.ARN) && l.Status != "FAILED" && l.Status != "DELETING" {
				res.VPCLink = &l
				res.Warnings = append(res.Warnings, fmt.Sprintf("load balancer %s already has VPC link %s (%s): vpclink reuses it, since a load balancer can be behind one VPC link only", res.LoadBalancer.Name, l.ID, l.Name))
				break
			}
		}
	}
	if id := p.API.Existing; id != "" {
		a, err := acct.GetRestAPI(ctx, id)
		switch {
		case awsops.IsNotFound(err):
			add("api.existing", "no REST API %q in %s", id, acct.Region)
		case err != nil:
			return nil, err
		default:
			res.RestAPI = &a
			rs, err := acct.ListResources(ctx, id)
			if err != nil {
				return nil, err
			}
			if r, ok := rs["/{proxy+}"]; ok && len(r.Methods) > 0 {
				res.Warnings = append(res.Warnings, fmt.Sprintf("API %s already has /{proxy+} with %s: vpclink adds only the methods it lacks", id, strings.Join(r.Methods, ", ")))
			}
			if r, ok := rs["/"]; ok && len(r.Methods) > 0 {
				res.Warnings = append(res.Warnings, fmt.Sprintf("API %s already has / with %s: vpclink leaves those as they are and adds only the methods it lacks", id, strings.Join(r.Methods, ", ")))
			}
		}
	}
	return done()
}

// resolveAdoptedTargets looks up the instances a plan registers behind an existing load
// balancer: each must be in its VPC, and running in one of its Availability Zones.
func resolveAdoptedTargets(ctx context.Context, acct *awsops.Account, p *Plan, res *Resolution, add func(string, string, ...any)) error {
	lb := res.LoadBalancer
	instances, err := acct.FindInstances(ctx, lb.VPCID, p.Targets.Instances)
	if err != nil {
		return err
	}
	for _, want := range p.Targets.Instances {
		in, ok := pickInstance(instances, want, lb.VPCID, res, add, func() {
			add("targets.instances", "no instance %q in %s, the VPC of load balancer %s: name one by its id (i-…) or its Name tag", want, lb.VPCID, lb.Name)
		})
		if !ok {
			continue
		}
		res.Instances = append(res.Instances, in)
		switch {
		case in.State != "running":
			res.Warnings = append(res.Warnings, fmt.Sprintf("instance %s is %s: it is registered, but gets no traffic until it runs", label(in.ID, in.Name), in.State))
		case in.AZ != "" && len(lb.AZs) > 0 && !slices.Contains(lb.AZs, in.AZ):
			add("targets.instances", "%s is in %s, where load balancer %s has no subnet (it is in %s): it would never become healthy; name an instance in one of those zones", label(in.ID, in.Name), in.AZ, lb.Name, strings.Join(lb.AZs, ", "))
		}
	}
	return nil
}

// pickInstance finds the instance want names among those looked up in vpcID. When none
// does it calls notFound; when several share the name, or res has it already, it adds the
// plan error. ok is false whenever an error was added.
func pickInstance(instances []awsops.Instance, want, vpcID string, res *Resolution, add func(string, string, ...any), notFound func()) (in awsops.Instance, ok bool) {
	keys := func(i awsops.Instance) (string, string) { return i.ID, i.Name }
	in, ok = find(instances, want, keys)
	switch {
	case !ok:
		if same := named(instances, want, keys); len(same) > 1 {
			add("targets.instances", "%d instances in %s are named %q: name one by its id (%s)", len(same), vpcID, want, strings.Join(same, ", "))
		} else {
			notFound()
		}
		return in, false
	case slices.ContainsFunc(res.Instances, func(x awsops.Instance) bool { return x.ID == in.ID }):
		add("targets.instances", "%s is listed twice", label(in.ID, in.Name))
		return in, false
	}
	return in, true
}

func find[T any](items []T, want string, keys func(T) (id, name string)) (T, bool) {
	for _, it := range items {
		if id, _ := keys(it); id == want {
			return it, true
		}
	}
	var match []T
	for _, it := range items {
		if _, name := keys(it); name != "" && name == want {
			match = append(match, it)
		}
	}
	if len(match) == 1 {
		return match[0], true
	}
	var zero T
	return zero, false
}

// named returns the ids of the items whose name is want.
func named[T any](items []T, want string, keys func(T) (id, name string)) []string {
	var ids []string
	for _, it := range items {
		if id, name := keys(it); name == want {
			ids = append(ids, id)
		}
	}
	return ids
}

func label(id, name string) string {
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

func listOf[T any](items []T, f func(T) string) string {
	if len(items) == 0 {
		return "(there are none)"
	}
	var parts []string
	for i, it := range items {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("and %d more", len(items)-8))
			break
		}
		parts = append(parts, f(it))
	}
	return strings.Join(parts, ", ")
}
