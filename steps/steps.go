package steps

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// Step is one part of the setup. Do creates (or finds and adopts) its resources and records
// them in the run; Undo deletes what Do recorded, treats "not found" as done, and may run
// more than once.
type Step interface {
	ID() string
	Title() string
	// After lists the steps that must be done (or skipped) before this one starts.
	After() []string
	// Applies reports whether the step has work to do for the plan.
	Applies(*Plan) bool
	Do(ctx context.Context, run *Run, rep Reporter) error
	Undo(ctx context.Context, run *Run, rep Reporter) error
}

// step is a Step made of functions.
type step struct {
	id, title string
	after     []string
	applies   func(*Plan) bool
	do, undo  func(ctx context.Context, run *Run, rep Reporter) error
}

func (s *step) ID() string      { return s.id }
func (s *step) Title() string   { return s.title }
func (s *step) After() []string { return s.after }
func (s *step) Applies(p *Plan) bool {
	return s.applies == nil || s.applies(p)
}
func (s *step) Do(ctx context.Context, run *Run, rep Reporter) error { return s.do(ctx, run, rep) }
func (s *step) Undo(ctx context.Context, run *Run, rep Reporter) error {
	if s.undo == nil {
		return nil
	}
	return s.undo(ctx, run, rep)
}

// Step ids, in the order they are listed and undone in reverse.
const (
	IDTargetGroup   = "create-target-group"
	IDLoadBalancer  = "create-nlb"
	IDListener      = "create-listener"
	IDRegister      = "register-targets"
	IDWaitNLB       = "wait-nlb-active"
	IDIngress       = "authorize-ingress"
	IDVPCLink       = "create-vpc-link"
	IDRestAPI       = "create-rest-api"
	IDProxyResource = "create-proxy-resource"
	IDMethods       = "put-methods"
	IDDeploy        = "deploy-stage"
	IDAPIKey        = "create-api-key"
	IDTargetHealth  = "wait-targets-healthy"
)

// Messages each step shows when it starts, completes or fails an action.
const (
	fmtTGStart      = "Creating target group %s."
	fmtTGDone       = "Created target group %s."
	fmtTGFailed     = "Failed to create target group %s"
	fmtNLBStart     = "Creating load balancer %s."
	fmtNLBDone      = "Created load balancer %s."
	fmtNLBFailed    = "Failed to create load balancer %s"
	fmtListStart    = "Creating TCP listener on port %d."
	fmtListDone     = "Created TCP listener on port %d."
	fmtListFailed   = "Failed to create listener on port %d"
	fmtRegStart     = "Registering %s."
	fmtRegDone      = "Registered %s."
	fmtRegFailed    = "Failed to register %s"
	fmtWaitNLB      = "Waiting for load balancer %s to become active."
	fmtWaitNLBDone  = "Load balancer %s is active."
	fmtIngStart     = "Allowing %s to reach port %d in %s."
	fmtIngDone      = "Allowed %s to reach port %d in %s."
	fmtIngFailed    = "Failed to allow %s in %s"
	fmtLinkStart    = "Creating VPC link %s."
	fmtLinkWait     = "Waiting for VPC link %s to become AVAILABLE (this takes minutes)."
	fmtLinkDone     = "VPC link %s is AVAILABLE."
	fmtLinkFailed   = "Failed to create VPC link %s"
	fmtAPIStart     = "Creating REST API %s."
	fmtAPIDone      = "Created REST API %s (%s)."
	fmtAPIFailed    = "Failed to create REST API %s"
	fmtResStart     = "Creating resource /{proxy+} in %s."
	fmtResDone      = "Created resource /{proxy+} (%s)."
	fmtResFailed    = "Failed to create resource /{proxy+} in %s"
	fmtMethStart    = "Adding %s with its VPC link integration."
	fmtMethDone     = "Added %s."
	fmtMethFailed   = "Failed to add %s"
	fmtDeployStart  = "Deploying to stage %s."
	fmtDeployDone   = "Deployed %s to stage %s."
	fmtDeployFailed = "Failed to deploy to stage %s"
	fmtKeyStart     = "Creating API key %s."
	fmtKeyDone      = "Created API key %s (%s)."
	fmtKeyFailed    = "Failed to create API key %s"
	fmtUPStart      = "Creating usage plan %s."
	fmtUPDone       = "Created usage plan %s (%s)."
	fmtUPFailed     = "Failed to create usage plan %s"
	fmtAttachStart  = "Attaching API key %s to usage plan %s."
	fmtAttachDone   = "Attached API key %s to usage plan %s."
	fmtAttachFailed = "Failed to attach API key %s to usage plan %s"
	fmtHealthWait   = "Waiting for targets to pass health checks on %s."
	fmtHealthDone   = "Targets healthy: %s."
)

func newLB(p *Plan) bool { return p.LoadBalancer.Existing == "" }

// Names of what a run creates, derived from its run id so that runs never share a resource.
func tgName(runID string) string   { return runID + "-tg" }
func lbName(runID string) string   { return runID + "-nlb" }
func linkName(runID string) string { return runID + "-link" }
func keyName(runID string) string  { return runID + "-key" }
func ruleDescription(runID string) string {
	return "vpclink " + runID
}

// tags are the tags every resource of a run gets: the user's and the run id.
func tags(run *Run) map[string]string {
	t := maps.Clone(run.Plan().Tags)
	if t == nil {
		t = map[string]string{}
	}
	t[awsops.TagRun] = run.ID()
	return t
}

// ErrNotOurs says a resource with the name vpclink wanted belongs to something else.
var ErrNotOurs = errors.New("exists but was not created by this run")

// All returns the setup's steps in order.
func All(acct *awsops.Account) []Step {
	return []Step{
		&step{id: IDTargetGroup, title: "Target group", applies: newLB,
			do: func(ctx context.Context, run *Run, rep Reporter) error { return doTargetGroup(ctx, acct, run, rep) },
			undo: func(ctx context.Context, run *Run, rep Reporter) error {
				tg, found, err := findELB(ctx, acct, run.ID(), run.Resources().TargetGroupARN, tgName(run.ID()), acct.GetTargetGroup, tgARN)
				if !found {
					return ignoreNotOurs(err)
				}
				arn := tg.ARN
				if err := keepForLoadBalancerUser(run, "target group "+awsops.ResourceName(arn)); err != nil {
					return err
				}
				rep.Start("Deleting target group " + arn + ".")
				if err := acct.DeleteTargetGroup(ctx, arn); err != nil {
					return err
				}
				return run.Record(func(r *Resources) { r.TargetGroupARN = "" })
			}},
		&step{id: IDLoadBalancer, title: "Network load balancer", applies: newLB,
			do: func(ctx context.Context, run *Run, rep Reporter) error { return doLoadBalancer(ctx, acct, run, rep) },
			undo: func(ctx context.Context, run *Run, rep Reporter) error {
				res := run.Resources()
				if res.LoadBalancerReused {
					return nil
				}
				lb, found, err := findELB(ctx, acct, run.ID(), res.LoadBalancerARN, lbName(run.ID()), acct.GetLoadBalancer, lbARN)
				if !found {
					return ignoreNotOurs(err)
				}
				arn := lb.ARN
				if err := keepForLoadBalancerUser(run, "load balancer "+lb.Name); err != nil {
					return err
				}
				rep.Start("Deleting load balancer " + arn + ".")
				if err := acct.DeleteLoadBalancer(ctx, arn); err != nil {
					return err
				}
				return run.Record(func(r *Resources) {
					r.LoadBalancerARN, r.LoadBalancerDNS, r.LoadBalancerIPs, r.ListenerARN = "", "", nil, ""
				})
			}},
		&step{id: IDListener, title: "Listener", after: []string{IDTargetGroup, IDLoadBalancer}, applies: newLB,
			do: func(ctx context.Context, run *Run, rep Reporter) error { return doListener(ctx, acct, run, rep) },
			undo: func(ctx context.Context, run *Run, rep Reporter) error {
				arn := run.Resources().ListenerARN
				if arn == "" {
					return nil
				}
				if err := keepForLoadBalancerUser(run, fmt.Sprintf("the listener on port %d", run.Plan().LoadBalancer.Port)); err != nil {
					return err
				}
				rep.Start("Deleting listener " + arn + ".")
				if err := acct.DeleteListener(ctx, arn); err != nil {
					return err
				}
				return run.Record(func(r *Resources) { r.ListenerARN = "" })
			}},
		&step{id: IDRegister, title: "Register targets", after: []string{IDTargetGroup}, applies: newLB,
			do: func(ctx context.Context, run *Run, rep Reporter) error {
				res, p := run.Resources(), run.Plan()
				what := strings.Join(res.InstanceIDs, ", ")
				rep.Start(fmt.Sprintf(fmtRegStart, what))
				if err := acct.RegisterTargets(ctx, res.TargetGroupARN, res.InstanceIDs, p.Targets.Port); err != nil {
					return awsops.Failed(err, fmtRegFailed, what)
				}
				if err := run.Record(func(r *Resources) { r.Registered = slices.Clone(res.InstanceIDs) }); err != nil {
					return err
				}
				rep.Stop(fmt.Sprintf(fmtRegDone, what))
				return nil
			},
			undo: func(ctx context.Context, run *Run, rep Reporter) error {
				res := run.Resources()
				if len(res.Registered) == 0 || res.TargetGroupARN == "" {
					return nil
				}
				if err := keepForLoadBalancerUser(run, "the targets "+strings.Join(res.Registered, ", ")); err != nil {
					return err
				}
				rep.Start("Deregistering " + strings.Join(res.Registered, ", ") + ".")
				if err := acct.DeregisterTargets(ctx, res.TargetGroupARN, res.Registered, run.Plan().Targets.Port); err != nil {
					return err
				}
				return run.Record(func(r *Resources) { r.Registered = nil })
			}},
		&step{id: IDWaitNLB, title: "Load balancer active", after: []string{IDLoadBalancer},
			do: func(ctx context.Context, run *Run, rep Reporter) error {
				res := run.Resources()
				name := awsops.ResourceName(res.LoadBalancerARN)
				rep.Start(fmt.Sprintf(fmtWaitNLB, name))
				if err := acct.WaitLoadBalancerActive(ctx, res.LoadBalancerARN, rep.Status); err != nil {
					return err
				}
				rep.Stop(fmt.Sprintf(fmtWaitNLBDone, name))
				return nil
			}},
		&step{id: IDIngress, title: "Security group rules", after: []string{IDWaitNLB}, applies: newLB,
			do:   func(ctx context.Context, run *Run, rep Reporter) error { return doIngress(ctx, acct, run, rep) },
			undo: func(ctx context.Context, run *Run, rep Reporter) error { return undoIngress(ctx, acct, run, rep) }},
		&step{id: IDVPCLink, title: "VPC link", after: []string{IDWaitNLB},
			do: func(ctx context.Context, run *Run, rep Reporter) error { return doVPCLink(ctx, acct, run, rep) },
			undo: func(ctx context.Context, run *Run, rep Reporter) error {
				res := run.Resources()
				if res.VPCLinkReused {
					return nil
				}
				// Besides the recorded link, any other tagged with the run: a create whose id
				// never reached the journal, and a retry, leave two.
				tagged, err := linksByTag(ctx, acct, run.ID())
				if err != nil {
					return err
				}
				var kept error
				for _, id := range withDuplicates(res.VPCLinkID, tagged, linkID) {
					if id == res.VPCLinkID {
						by, err := vpcLinkUser(run)
						if err != nil {
							return err
						}
						if by != "" {
							kept = &KeptError{RunID: run.ID(), What: "VPC link " + id, By: by}
							continue
						}
					}
					rep.Start("Deleting VPC link " + id + ".")
					if err := acct.DeleteVPCLink(ctx, id); err != nil {
						return err
					}
					// The load balancer cannot be deleted while the link still exists.
					if err := acct.WaitVPCLinkDeleted(ctx, id, rep.Status); err != nil {
						return err
					}
				}
				if kept != nil {
					return kept
				}
				return run.Record(func(r *Resources) { r.VPCLinkID = "" })
			}},
		&step{id: IDRestAPI, title: "REST API",
			do: func(ctx context.Context, run *Run, rep Reporter) error { return doRestAPI(ctx, acct, run, rep) },
			undo: func(ctx context.Context, run *Run, rep Reporter) error {
				res := run.Resources()
				if res.RestAPIReused {
					return nil
				}
				tagged, err := apisByTag(ctx, acct, run.ID())
				if err != nil {
					return err
				}
				for _, id := range withDuplicates(res.RestAPIID, tagged, apiID) {
					rep.Start("Deleting REST API " + id + " with its resources and stages.")
					if err := acct.DeleteRestAPI(ctx, id); err != nil {
						return err
					}
				}
				return run.Record(func(r *Resources) {
					r.RestAPIID, r.ProxyResourceID, r.Methods, r.RootMethods, r.DeploymentID, r.Stage = "", "", nil, nil, "", ""
				})
			}},
		&step{id: IDProxyResource, title: "Proxy resource", after: []string{IDRestAPI},
			do: func(ctx context.Context, run *Run, rep Reporter) error { return doProxyResource(ctx, acct, run, rep) },
			undo: func(ctx context.Context, run *Run, rep Reporter) error {
				res := run.Resources()
				if !res.RestAPIReused || (res.ProxyResourceID == "" && !res.ProxyCreating) {
					return nil // deleting the API deletes the resource
				}
				id := res.ProxyResourceID
				if id == "" {
					// This run set out to create /{proxy+}: one that is there is its own, made
					// by a create whose id never reached the journal.
					rs, err := acct.ListResources(ctx, res.RestAPIID)
					if err != nil && !awsops.IsNotFound(err) {
						return err
					}
					id = rs["/{proxy+}"].ID
				}
				if id != "" {
					rep.Start("Deleting resource /{proxy+} from " + res.RestAPIID + ".")
					if err := acct.DeleteResource(ctx, res.RestAPIID, id); err != nil {
						return err
					}
				}
				return run.Record(func(r *Resources) { r.ProxyResourceID, r.Methods, r.ProxyCreating = "", nil, false })
			}},
		&step{id: IDMethods, title: "Methods and integration", after: []string{IDProxyResource},
			do:   func(ctx context.Context, run *Run, rep Reporter) error { return doMethods(ctx, acct, run, rep) },
			undo: func(ctx context.Context, run *Run, rep Reporter) error { return undoMethods(ctx, acct, run, rep) }},
		&step{id: IDDeploy, title: "Deployment and stage", after: []string{IDMethods, IDVPCLink},
			do:   func(ctx context.Context, run *Run, rep Reporter) error { return doDeploy(ctx, acct, run, rep) },
			undo: func(ctx context.Context, run *Run, rep Reporter) error { return undoDeploy(ctx, acct, run, rep) }},
		&step{id: IDAPIKey, title: "API key and usage plan", after: []string{IDDeploy},
			applies: func(p *Plan) bool { return p.API.Authorization == AuthAPIKey },
			do:      func(ctx context.Context, run *Run, rep Reporter) error { return doAPIKey(ctx, acct, run, rep) },
			undo: func(ctx context.Context, run *Run, rep Reporter) error {
				res := run.Resources()
				name := keyName(run.ID())
				plans, err := acct.FindUsagePlans(ctx, name, awsops.TagRun, run.ID())
				if err != nil {
					return err
				}
				for _, planID := range withDuplicates(res.UsagePlanID, plans, func(id string) string { return id }) {
					rep.Start("Deleting usage plan " + planID + ".")
					if err := acct.DeleteUsagePlan(ctx, planID); err != nil {
						return err
					}
				}
				if err := run.Record(func(r *Resources) { r.UsagePlanID = "" }); err != nil {
					return err
				}
				keys, err := acct.FindAPIKeys(ctx, name, awsops.TagRun, run.ID())
				if err != nil {
					return err
				}
				for _, keyID := range withDuplicates(res.APIKeyID, keys, func(k awsops.APIKey) string { return k.ID }) {
					rep.Start("Deleting API key " + keyID + ".")
					if err := acct.DeleteAPIKey(ctx, keyID); err != nil {
						return err
					}
				}
				return run.Record(func(r *Resources) { r.APIKeyID = "" })
			}},
		&step{id: IDTargetHealth, title: "Healthy targets", after: []string{IDListener, IDRegister, IDIngress, IDWaitNLB}, applies: newLB,
			do: func(ctx context.Context, run *Run, rep Reporter) error {
				res := run.Resources()
				rep.Start(fmt.Sprintf(fmtHealthWait, tgName(run.ID())))
				last := ""
				p := run.Plan()
				err := acct.WaitTargetsHealthy(ctx, res.TargetGroupARN, p.Targets.Port, healthCheck(p), func(s string) { last = s; rep.Status(s) })
				if err != nil {
					return err
				}
				rep.Stop(fmt.Sprintf(fmtHealthDone, last))
				return nil
			}},
	}
}

// healthCheck is the plan's health check as the target group gets it.
func healthCheck(p *Plan) awsops.HealthCheck {
	hc := p.LoadBalancer.HealthCheck
	return awsops.HealthCheck{Path: hc.Path, Port: hc.Port, Interval: hc.Interval, HealthyThreshold: hc.HealthyThreshold,
		UnhealthyThreshold: hc.UnhealthyThreshold, Timeout: hc.Timeout, Matcher: hc.Matcher}
}

// findELB looks up an ELB resource of this run: by the ARN the journal recorded, else by the
// name the run gives it. found is false when there is none; a resource with that name but
// another run's tag comes back as an ErrNotOurs error, for do to refuse and undo to skip.
func findELB[T any](ctx context.Context, acct *awsops.Account, runID, recorded, name string, get func(context.Context, string) (T, error), arn func(T) string) (res T, found bool, err error) {
	for _, ref := range []string{recorded, name} {
		if ref == "" {
			continue
		}
		res, err = get(ctx, ref)
		if awsops.IsNotFound(err) {
			continue
		}
		if err != nil {
			return res, false, err
		}
		t, err := acct.Tags(ctx, arn(res))
		if err != nil {
			return res, false, err
		}
		if t[awsops.TagRun] != runID {
			return res, false, fmt.Errorf("%s %w (its %s tag is %q): delete or rename it, or apply the plan under another name", name, ErrNotOurs, awsops.TagRun, t[awsops.TagRun])
		}
		return res, true, nil
	}
	return res, false, nil
}

func tgARN(tg awsops.TargetGroup) string  { return tg.ARN }
func lbARN(lb awsops.LoadBalancer) string { return lb.ARN }

// ignoreNotOurs lets undo pass over a resource that only shares this run's name.
func ignoreNotOurs(err error) error {
	if errors.Is(err, ErrNotOurs) {
		return nil
	}
	return err
}

// linksByTag returns every VPC link tagged with the run, but those already being deleted. A
// create stopped before its id reached the journal, then a retry, leaves more than one.
func linksByTag(ctx context.Context, acct *awsops.Account, runID string) ([]awsops.VPCLink, error) {
	links, err := acct.ListVPCLinks(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(links, func(l awsops.VPCLink) bool {
		return l.Tags[awsops.TagRun] != runID || l.Status == "DELETING"
	}), nil
}

// apisByTag returns every REST API tagged with the run.
func apisByTag(ctx context.Context, acct *awsops.Account, runID string) ([]awsops.RestAPI, error) {
	apis, err := acct.ListRestAPIs(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(apis, func(a awsops.RestAPI) bool { return a.Tags[awsops.TagRun] != runID }), nil
}

func linkID(l awsops.VPCLink) string { return l.ID }
func apiID(a awsops.RestAPI) string  { return a.ID }

// withDuplicates returns the recorded id, when there is one, then the id of every other
// resource found by the run's tag: all of them are the run's to delete.
func withDuplicates[T any](recorded string, found []T, id func(T) string) []string {
	var ids []string
	if recorded != "" {
		ids = append(ids, recorded)
	}
	for _, f := range found {
		if !slices.Contains(ids, id(f)) {
			ids = append(ids, id(f))
		}
	}
	return ids
}

// adoptedNote says which resource of an earlier attempt a step adopts, and names the others
// that carry the run's tag too: they are left for destroy, which deletes every one.
func adoptedNote(kind, adopted string, others []string, runID string) string {
	note := "Found " + kind + " " + adopted + " from an earlier attempt."
	if len(others) > 0 {
		note += fmt.Sprintf(" The run's tag is also on %s %s, not used: `vpclink destroy %s` deletes them with the rest.", kind, strings.Join(others, ", "), runID)
	}
	return note
}

func doTargetGroup(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	name := tgName(run.ID())
	// Adopt what the journal or a crashed attempt left: by recorded ARN, else by name and tag.
	if tg, found, err := findELB(ctx, acct, run.ID(), res.TargetGroupARN, name, acct.GetTargetGroup, tgARN); err != nil || found {
		if err != nil {
			return err
		}
		if err := run.Record(func(r *Resources) { r.TargetGroupARN = tg.ARN }); err != nil {
			return err
		}
		rep.Stop("Found target group " + tg.Name + " from an earlier attempt.")
		return nil
	}
	rep.Start(fmt.Sprintf(fmtTGStart, name))
	tg, err := acct.CreateTargetGroup(ctx, awsops.TargetGroupSpec{
		Name: name, Port: p.Targets.Port, VPCID: res.VPCID, Tags: tags(run),
		HealthCheck: healthCheck(p),
	})
	if err != nil {
		return awsops.Failed(err, fmtTGFailed, name)
	}
	if err := run.Record(func(r *Resources) { r.TargetGroupARN = tg.ARN }); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtTGDone, name))
	return nil
}

func doLoadBalancer(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res := run.Resources()
	name := lbName(run.ID())
	if lb, found, err := findELB(ctx, acct, run.ID(), res.LoadBalancerARN, name, acct.GetLoadBalancer, lbARN); err != nil || found {
		if err != nil {
			return err
		}
		if err := run.Record(func(r *Resources) { r.LoadBalancerARN, r.LoadBalancerDNS = lb.ARN, lb.DNSName }); err != nil {
			return err
		}
		rep.Stop("Found load balancer " + lb.Name + " from an earlier attempt.")
		return nil
	}
	rep.Start(fmt.Sprintf(fmtNLBStart, name))
	lb, err := acct.CreateLoadBalancer(ctx, name, res.SubnetIDs, tags(run))
	if err != nil {
		return awsops.Failed(err, fmtNLBFailed, name)
	}
	if err := run.Record(func(r *Resources) { r.LoadBalancerARN, r.LoadBalancerDNS = lb.ARN, lb.DNSName }); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtNLBDone, name))
	return nil
}

func doListener(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res, port := run.Resources(), run.Plan().LoadBalancer.Port
	listeners, err := acct.ListListeners(ctx, res.LoadBalancerARN)
	if err != nil {
		return err
	}
	for _, l := range listeners {
		if l.Port != port {
			continue
		}
		if l.TargetGroupARN != res.TargetGroupARN {
			return awsops.Failed(fmt.Errorf("the load balancer already listens there, for %s; choose another loadBalancer.port", l.TargetGroupARN), fmtListFailed, port)
		}
		if err := run.Record(func(r *Resources) { r.ListenerARN = l.ARN }); err != nil {
			return err
		}
		rep.Stop(fmt.Sprintf("Found TCP listener on port %d from an earlier attempt.", port))
		return nil
	}
	rep.Start(fmt.Sprintf(fmtListStart, port))
	l, err := acct.CreateListener(ctx, res.LoadBalancerARN, port, res.TargetGroupARN, tags(run))
	if err != nil {
		return awsops.Failed(err, fmtListFailed, port)
	}
	if err := run.Record(func(r *Resources) { r.ListenerARN = l.ARN }); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtListDone, port))
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

func doIngress(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	srcs, err := IngressSources(ctx, acct, p.SecurityGroups.Mode, res.LoadBalancerARN, res.VPCCIDR)
	if err != nil {
		return err
	}
	if p.SecurityGroups.Mode == ModeNLBIPs {
		if err := run.Record(func(r *Resources) { r.LoadBalancerIPs = srcs }); err != nil {
			return err
		}
	}
	// Only the targets and their groups are read: the VPC may hold thousands of instances.
	instances, err := acct.FindInstances(ctx, res.VPCID, res.InstanceIDs)
	if err != nil {
		return err
	}
	var groupIDs []string
	for _, i := range instances {
		groupIDs = append(groupIDs, i.SecurityGroups...)
	}
	var groups []awsops.SecurityGroup
	if len(groupIDs) > 0 {
		if groups, err = acct.ListSecurityGroups(ctx, res.VPCID, groupIDs...); err != nil {
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
		for _, port := range IngressPorts(p) {
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
	rules := IngressRules(instances, groups, srcs, IngressPorts(p), desc)
	if len(rules) > 0 {
		// Whatever the journal says, no rule admits more than the VPC's own addresses.
		if err := checkWithinVPC(ctx, acct, res.VPCID, rules); err != nil {
			return err
		}
	}
	for _, r := range rules {
		rep.Start(fmt.Sprintf(fmtIngStart, r.CIDR, r.FromPort, r.GroupID))
		added, err := acct.AuthorizeIngress(ctx, r, tags(run))
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
	ports := joinPorts(IngressPorts(p))
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

// recordShared records a rule the run relies on but did not create.
func recordShared(run *Run, r awsops.Rule) error {
	if hasRule(run.Resources().IngressShared, r) {
		return nil
	}
	return run.Record(func(x *Resources) { x.IngressShared = append(x.IngressShared, r) })
}

// undoIngress revokes the rules this run created, except those another live run relies on
// (AWS keeps one rule per group, protocol, port and CIDR, so two runs may need the same
// rule): those stay, and that run keeps them. A rule this run found in place is revoked
// only when the run that made it is over and no live run relies on it any more; the user's
// own rules are never touched.
func undoIngress(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res := run.Resources()
	rules := res.Ingress
	if res.VPCID != "" && !res.LoadBalancerReused {
		// Rules carry the run in their description: find those the journal missed.
		groups, err := acct.ListSecurityGroups(ctx, res.VPCID)
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
		if instances, err = acct.ListInstances(ctx, res.VPCID); err != nil {
			return err
		}
	}
	for _, rule := range rules {
		if by := ruleUser(others, rule, instances); by != "" {
			rep.Stop(fmt.Sprintf("Keeping %s port %d in %s: run %s relies on it and keeps it.", rule.CIDR, rule.FromPort, rule.GroupID, by))
		} else {
			rep.Start(fmt.Sprintf("Revoking %s port %d in %s.", rule.CIDR, rule.FromPort, rule.GroupID))
			if err := acct.RevokeIngress(ctx, rule); err != nil {
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
			if err := acct.RevokeIngress(ctx, rule); err != nil {
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

func doVPCLink(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res := run.Resources()
	name := linkName(run.ID())
	id := res.VPCLinkID
	if id != "" {
		l, err := acct.GetVPCLink(ctx, id)
		switch {
		case awsops.IsNotFound(err) && !res.VPCLinkReused:
			rep.Status("the recorded VPC link " + id + " is gone; creating it again")
			id = ""
		case err != nil:
			return err
		case l.Status == "DELETING" && !res.VPCLinkReused:
			// A rollback stopped after it asked AWS to delete the link: a deleting link
			// cannot be used again, so wait until it is gone, then make a new one.
			rep.Start("Waiting for VPC link " + id + ", which an earlier rollback is deleting, to be gone before creating a new one.")
			if err := acct.WaitVPCLinkDeleted(ctx, id, rep.Status); err != nil {
				return err
			}
			if err := run.Record(func(r *Resources) { r.VPCLinkID = "" }); err != nil {
				return err
			}
			id = ""
		case l.Status == "FAILED" && !res.VPCLinkReused:
			// A FAILED link never recovers: delete it, then make a new one.
			rep.Start("Deleting VPC link " + id + ", which ended FAILED (" + l.StatusMessage + "), to create a new one.")
			if err := acct.DeleteVPCLink(ctx, id); err != nil {
				return err
			}
			if err := acct.WaitVPCLinkDeleted(ctx, id, rep.Status); err != nil {
				return err
			}
			if err := run.Record(func(r *Resources) { r.VPCLinkID = "" }); err != nil {
				return err
			}
			id = ""
		}
	}
	if id == "" {
		tagged, err := linksByTag(ctx, acct, run.ID())
		if err != nil {
			return err
		}
		// One link to this run's load balancer is adopted; a FAILED one never recovers. The
		// others are named, for destroy to delete.
		var others []string
		for _, l := range tagged {
			if id == "" && l.Status != "FAILED" && slices.Contains(l.TargetARNs, res.LoadBalancerARN) {
				id = l.ID
				continue
			}
			others = append(others, l.ID)
		}
		if id != "" {
			rep.Stop(adoptedNote("VPC link", id, others, run.ID()))
		}
	}
	if id == "" {
		rep.Start(fmt.Sprintf(fmtLinkStart, name))
		l, err := acct.CreateVPCLink(ctx, name, res.LoadBalancerARN, tags(run))
		if err != nil {
			return awsops.Failed(err, fmtLinkFailed, name)
		}
		id = l.ID
	}
	if err := run.Record(func(r *Resources) { r.VPCLinkID = id }); err != nil {
		return err
	}
	rep.Start(fmt.Sprintf(fmtLinkWait, id))
	if err := acct.WaitVPCLink(ctx, id, rep.Status); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtLinkDone, id))
	return nil
}

func apiName(p *Plan) string { return cmpOr(p.API.Name, p.Name) }

func doRestAPI(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	if res.RestAPIID != "" {
		a, err := acct.GetRestAPI(ctx, res.RestAPIID)
		switch {
		case err == nil:
			rep.Stop(fmt.Sprintf("Using REST API %s (%s).", a.Name, a.ID))
			return nil
		case !awsops.IsNotFound(err) || res.RestAPIReused:
			return err
		}
		rep.Status("the recorded REST API " + res.RestAPIID + " is gone; creating it again")
	}
	tagged, err := apisByTag(ctx, acct, run.ID())
	if err != nil {
		return err
	}
	if len(tagged) > 0 {
		a := tagged[0]
		if err := run.Record(func(r *Resources) { r.RestAPIID = a.ID }); err != nil {
			return err
		}
		rep.Stop(adoptedNote("REST API", a.ID, withDuplicates("", tagged[1:], apiID), run.ID()))
		return nil
	}
	name := apiName(p)
	rep.Start(fmt.Sprintf(fmtAPIStart, name))
	a, err := acct.CreateRestAPI(ctx, name, p.API.EndpointType, tags(run))
	if err != nil {
		return awsops.Failed(err, fmtAPIFailed, name)
	}
	// A new API has none of what the journal says the old one had.
	if err := run.Record(func(r *Resources) {
		r.RestAPIID, r.ProxyResourceID, r.Methods, r.RootMethods, r.DeploymentID, r.Stage = a.ID, "", nil, nil, "", ""
	}); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtAPIDone, name, a.ID))
	return nil
}

func doProxyResource(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res := run.Resources()
	rs, err := acct.ListResources(ctx, res.RestAPIID)
	if err != nil {
		return err
	}
	if r, ok := rs["/{proxy+}"]; ok {
		// It is this run's on an API the run made, when recorded, or when the run set out to
		// create it (the create's answer was lost: a crash, a retried call).
		if !res.RestAPIReused || res.ProxyResourceID == r.ID || res.ProxyCreating {
			if err := run.Record(func(x *Resources) { x.ProxyResourceID = r.ID }); err != nil {
				return err
			}
		}
		rep.Stop("Using resource /{proxy+} (" + r.ID + ").")
		return nil
	}
	root, ok := rs["/"]
	if !ok {
		return awsops.Failed(errors.New("the API has no root resource"), fmtResFailed, res.RestAPIID)
	}
	rep.Start(fmt.Sprintf(fmtResStart, res.RestAPIID))
	if err := run.Record(func(x *Resources) { x.ProxyCreating = true }); err != nil {
		return err
	}
	r, err := acct.CreateResource(ctx, res.RestAPIID, root.ID, "{proxy+}")
	if err != nil {
		return awsops.Failed(err, fmtResFailed, res.RestAPIID)
	}
	if err := run.Record(func(x *Resources) { x.ProxyResourceID = r.ID }); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtResDone, r.ID))
	return nil
}

// authorization maps the plan's choice to a method's authorization type and key flag.
func authorization(p *Plan) (string, bool) {
	switch p.API.Authorization {
	case AuthIAM:
		return "AWS_IAM", false
	case AuthAPIKey:
		return "NONE", true
	}
	return "NONE", false
}

// ListenerPort is the load balancer listener the integration calls: the plan's port, 80
// when a reused load balancer's plan names none.
func ListenerPort(p *Plan) int32 { return cmpOr(p.LoadBalancer.Port, 80) }

// doMethods puts the plan's methods on /{proxy+} and on the root /, each with its VPC link
// integration to the listener on the plan's port: / is the invoke URL itself, which no
// {proxy+} matches. Methods already integrated are left as they are.
func doMethods(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	rs, err := acct.ListResources(ctx, res.RestAPIID)
	if err != nil {
		return err
	}
	proxy, ok := rs["/{proxy+}"]
	if !ok {
		return fmt.Errorf("add methods to %s: the API has no /{proxy+} resource", res.RestAPIID)
	}
	root, ok := rs["/"]
	if !ok {
		return fmt.Errorf("add methods to %s: the API has no root resource", res.RestAPIID)
	}
	auth, key := authorization(p)
	port := ListenerPort(p)
	var added []string
	for _, m := range p.API.Methods {
		if slices.Contains(proxy.Integrated, m) {
			continue
		}
		rep.Start(fmt.Sprintf(fmtMethStart, m+" /{proxy+}"))
		method := awsops.Method{HTTPMethod: m, Authorization: auth, APIKey: key, Port: port}
		if err := acct.PutProxyMethod(ctx, res.RestAPIID, proxy.ID, method, slices.Contains(proxy.Methods, m)); err != nil {
			return awsops.Failed(err, fmtMethFailed, m+" /{proxy+}")
		}
		added = append(added, m+" /{proxy+}")
		if err := run.Record(func(r *Resources) { r.Methods = append(r.Methods, m) }); err != nil {
			return err
		}
	}
	for _, m := range p.API.Methods {
		if slices.Contains(root.Integrated, m) {
			// On an API this run made, what is there is this run's, from an earlier attempt.
			if !res.RestAPIReused && !slices.Contains(res.RootMethods, m) {
				if err := run.Record(func(r *Resources) { r.RootMethods = append(r.RootMethods, m) }); err != nil {
					return err
				}
			}
			continue
		}
		rep.Start(fmt.Sprintf(fmtMethStart, m+" /"))
		method := awsops.Method{HTTPMethod: m, Authorization: auth, APIKey: key, Port: port}
		if err := acct.PutRootMethod(ctx, res.RestAPIID, root.ID, method, slices.Contains(root.Methods, m)); err != nil {
			return awsops.Failed(err, fmtMethFailed, m+" /")
		}
		added = append(added, m+" /")
		if !slices.Contains(res.RootMethods, m) {
			if err := run.Record(func(r *Resources) { r.RootMethods = append(r.RootMethods, m) }); err != nil {
				return err
			}
		}
	}
	if len(added) == 0 {
		rep.Stop("The methods " + strings.Join(p.API.Methods, ", ") + " of / and /{proxy+} are in place.")
		return nil
	}
	rep.Stop(fmt.Sprintf(fmtMethDone, strings.Join(added, ", ")))
	return nil
}

// undoMethods removes, from an API that was there before the run, the methods the run added
// to the root / and to a /{proxy+} it did not create; the API's own methods stay. Methods of
// an API or resource the run created go with it.
func undoMethods(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res := run.Resources()
	if !res.RestAPIReused || (len(res.RootMethods) == 0 && (res.ProxyResourceID != "" || len(res.Methods) == 0)) {
		return nil
	}
	rs, err := acct.ListResources(ctx, res.RestAPIID)
	if err != nil {
		return err
	}
	if res.ProxyResourceID == "" {
		proxy, ok := rs["/{proxy+}"]
		for _, m := range res.Methods {
			if ok {
				rep.Start("Deleting method " + m + " of /{proxy+} in " + res.RestAPIID + ".")
				if err := acct.DeleteMethod(ctx, res.RestAPIID, proxy.ID, m); err != nil {
					return err
				}
			}
			if err := run.Record(func(r *Resources) { r.Methods = slices.DeleteFunc(r.Methods, func(x string) bool { return x == m }) }); err != nil {
				return err
			}
		}
	}
	root, ok := rs["/"]
	for _, m := range res.RootMethods {
		if ok {
			rep.Start("Deleting method " + m + " of / in " + res.RestAPIID + ".")
			if err := acct.DeleteMethod(ctx, res.RestAPIID, root.ID, m); err != nil {
				return err
			}
		}
		if err := run.Record(func(r *Resources) {
			r.RootMethods = slices.DeleteFunc(r.RootMethods, func(x string) bool { return x == m })
		}); err != nil {
			return err
		}
	}
	return nil
}

// StageVariables are the variables the stage gets: the VPC link id and the NLB's DNS name.
func StageVariables(res Resources) map[string]string {
	return map[string]string{awsops.StageVarLink: res.VPCLinkID, awsops.StageVarNLB: res.LoadBalancerDNS}
}

func doDeploy(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	vars := StageVariables(res)
	st, err := acct.GetStage(ctx, res.RestAPIID, p.Stage.Name)
	if err != nil && !awsops.IsNotFound(err) {
		return err
	}
	exists := err == nil
	if exists && res.DeploymentID == "" && res.Stage == "" && !res.StageExisted && st.Tags[awsops.TagRun] != run.ID() {
		// The stage was there before this run (one with the run's tag is the run's own, made
		// by a CreateStage whose answer never reached the journal): a rollback must give it
		// back as it was, with its deployment, variables, logging and throttling. Saved
		// before anything changes.
		settings := st.Settings
		if err := run.Record(func(r *Resources) {
			r.StageExisted, r.PreviousDeployment, r.PreviousVariables, r.PreviousSettings = true, st.DeploymentID, maps.Clone(st.Variables), &settings
		}); err != nil {
			return err
		}
	}
	// A stage still serving this run's deployment with these variables needs nothing.
	current := exists && res.DeploymentID != "" && st.DeploymentID == res.DeploymentID &&
		st.Variables[awsops.StageVarLink] == vars[awsops.StageVarLink] && st.Variables[awsops.StageVarNLB] == vars[awsops.StageVarNLB]
	deployment := res.DeploymentID
	if !current {
		rep.Start(fmt.Sprintf(fmtDeployStart, p.Stage.Name))
		if deployment, err = runDeployment(ctx, acct, run, rep); err != nil {
			return err
		}
		if deployment == "" {
			// Saved first, so that a deployment whose id never reaches the journal is still
			// known by its description as this run's.
			if err := run.Record(func(r *Resources) { r.DeploymentIntent = true }); err != nil {
				return err
			}
			if deployment, err = acct.CreateDescribedDeployment(ctx, res.RestAPIID, awsops.DeploymentDescription(run.ID())); err != nil {
				return awsops.Failed(err, fmtDeployFailed, p.Stage.Name)
			}
			if err := run.Record(func(r *Resources) { r.DeploymentID = deployment }); err != nil {
				return err
			}
		}
		if exists {
			err = acct.PointStage(ctx, res.RestAPIID, p.Stage.Name, deployment, vars)
		} else {
			err = acct.CreateStage(ctx, res.RestAPIID, p.Stage.Name, deployment, vars, tags(run))
		}
		if err != nil {
			return awsops.Failed(err, fmtDeployFailed, p.Stage.Name)
		}
	}
	if err := run.Record(func(r *Resources) { r.Stage = p.Stage.Name }); err != nil {
		return err
	}
	// Only what differs is patched: logging OFF turns off a reused stage's logging.
	settings := awsops.StageSettings{LoggingLevel: p.Stage.Logging, RateLimit: p.Stage.Throttling.Rate, BurstLimit: p.Stage.Throttling.Burst}
	if err := acct.ChangeStageSettings(ctx, res.RestAPIID, p.Stage.Name, st.Settings, settings); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtDeployDone, deployment, p.Stage.Name))
	return nil
}

// runDeployment returns the deployment an earlier attempt of the run made, to be used again:
// the recorded one while it exists, else, when the run set out to create one, the newest
// deployment described as the run's. It returns "" when there is none.
func runDeployment(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) (string, error) {
	res := run.Resources()
	if res.DeploymentID == "" && !res.DeploymentIntent {
		return "", nil
	}
	deps, err := acct.ListDeployments(ctx, res.RestAPIID)
	if err != nil {
		return "", err
	}
	found := ""
	for _, d := range deps {
		if d.ID == res.DeploymentID {
			return d.ID, nil
		}
		if d.Description == awsops.DeploymentDescription(run.ID()) {
			found = d.ID
		}
	}
	if res.DeploymentID != "" {
		rep.Status("the recorded deployment " + res.DeploymentID + " is gone; deploying again")
	}
	if found != "" && res.DeploymentIntent {
		if err := run.Record(func(r *Resources) { r.DeploymentID = found }); err != nil {
			return "", err
		}
		rep.Status("found deployment " + found + " from an earlier attempt")
		return found, nil
	}
	return "", nil
}

// runDeployments are the ids of the deployments of the run on its REST API: the recorded
// one, and those described as the run's when it set out to create one.
func runDeployments(ctx context.Context, acct *awsops.Account, run *Run) ([]string, error) {
	res := run.Resources()
	var ids []string
	if res.DeploymentID != "" {
		ids = append(ids, res.DeploymentID)
	}
	if !res.DeploymentIntent {
		return ids, nil
	}
	deps, err := acct.ListDeployments(ctx, res.RestAPIID)
	if awsops.IsNotFound(err) {
		return ids, nil
	}
	if err != nil {
		return nil, err
	}
	for _, d := range deps {
		if d.Description == awsops.DeploymentDescription(run.ID()) && !slices.Contains(ids, d.ID) {
			ids = append(ids, d.ID)
		}
	}
	return ids, nil
}

// undoDeploy gives a stage that was there before the run back as it was (deployment,
// variables, logging and throttling) or deletes the stage the run made, then deletes the
// run's deployments, those whose ids never reached the journal included. On an API the run
// made there is nothing to do: deleting the API deletes its stages and deployments.
func undoDeploy(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res := run.Resources()
	if !res.RestAPIReused || (res.Stage == "" && res.DeploymentID == "" && !res.DeploymentIntent) {
		return nil
	}
	deps, err := runDeployments(ctx, acct, run)
	if err != nil {
		return err
	}
	stage := cmpOr(res.Stage, run.Plan().Stage.Name)
	switch {
	case res.StageExisted && len(deps) > 0:
		// The stage was there: point it back and give back its settings, then drop this
		// run's deployments.
		rep.Start("Restoring stage " + stage + " of " + res.RestAPIID + " to deployment " + res.PreviousDeployment + " with its variables, logging and throttling.")
		if err := acct.RestoreStage(ctx, res.RestAPIID, stage, res.PreviousDeployment, res.PreviousVariables, StageVariables(res), res.PreviousSettings); err != nil {
			return err
		}
	case !res.StageExisted:
		// The stage is this run's when recorded, or when it carries the run's tag (made by a
		// CreateStage whose answer never reached the journal).
		mine := res.Stage != ""
		if !mine && len(deps) > 0 {
			st, err := acct.GetStage(ctx, res.RestAPIID, stage)
			if err != nil && !awsops.IsNotFound(err) {
				return err
			}
			mine = err == nil && st.Tags[awsops.TagRun] == run.ID()
		}
		if mine {
			rep.Start("Deleting stage " + stage + " of " + res.RestAPIID + ".")
			if err := acct.DeleteStage(ctx, res.RestAPIID, stage); err != nil {
				return err
			}
		}
	}
	for _, id := range deps {
		if id == res.PreviousDeployment {
			continue
		}
		rep.Start("Deleting deployment " + id + " of " + res.RestAPIID + ".")
		if err := acct.DeleteDeployment(ctx, res.RestAPIID, id); err != nil {
			return err
		}
	}
	return run.Record(func(r *Resources) { r.Stage, r.DeploymentID, r.DeploymentIntent = "", "", false })
}

// doAPIKey makes three idempotent actions, each found again on resume: the API key, the
// usage plan, and the key's attachment to the plan (a call of its own, so that a crash
// between the plan and the attachment, or a plan found by its tag, still ends attached).
func doAPIKey(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	name := keyName(run.ID())
	keyID := res.APIKeyID
	if keyID == "" {
		k, found, err := acct.FindAPIKey(ctx, name, awsops.TagRun, run.ID())
		if err != nil {
			return err
		}
		if found {
			keyID = k.ID
			rep.Stop("Found API key " + keyID + " from an earlier attempt.")
		} else {
			rep.Start(fmt.Sprintf(fmtKeyStart, name))
			k, err = acct.CreateAPIKey(ctx, name, tags(run))
			if err != nil {
				return awsops.Failed(err, fmtKeyFailed, name)
			}
			keyID = k.ID
			// The key's value is a secret: it is not recorded; `aws apigateway get-api-key
			// --include-value` shows it to whoever may see it.
		}
		if err := run.Record(func(r *Resources) { r.APIKeyID = keyID }); err != nil {
			return err
		}
		if !found {
			rep.Stop(fmt.Sprintf(fmtKeyDone, name, keyID))
		}
	}
	planID := res.UsagePlanID
	if planID == "" {
		id, found, err := acct.FindUsagePlan(ctx, name, awsops.TagRun, run.ID())
		if err != nil {
			return err
		}
		if found {
			rep.Stop("Found usage plan " + id + " from an earlier attempt.")
		} else {
			rep.Start(fmt.Sprintf(fmtUPStart, name))
			id, err = acct.CreateUsagePlan(ctx, name, res.RestAPIID, p.Stage.Name, p.Stage.Throttling.Rate, p.Stage.Throttling.Burst, tags(run))
			if err != nil {
				return awsops.Failed(err, fmtUPFailed, name)
			}
			rep.Stop(fmt.Sprintf(fmtUPDone, name, id))
		}
		planID = id
		if err := run.Record(func(r *Resources) { r.UsagePlanID = id }); err != nil {
			return err
		}
	}
	attached, err := acct.UsagePlanHasKey(ctx, planID, keyID)
	if err != nil {
		return err
	}
	if attached {
		rep.Stop(fmt.Sprintf("API key %s is attached to usage plan %s.", keyID, planID))
		return nil
	}
	rep.Start(fmt.Sprintf(fmtAttachStart, keyID, planID))
	if err := acct.AttachUsagePlanKey(ctx, planID, keyID); err != nil {
		return awsops.Failed(err, fmtAttachFailed, keyID, planID)
	}
	rep.Stop(fmt.Sprintf(fmtAttachDone, keyID, planID))
	return nil
}
