package steps

import (
	"context"
	"fmt"

	"github.com/vpclink/vpclink/awsops"
)

// IDLoadBalancer names the step that creates the run's network load balancer.
const IDLoadBalancer = "create-nlb"

// Messages of the load balancer step.
const (
	fmtNLBStart  = "Creating load balancer %s."
	fmtNLBDone   = "Created load balancer %s."
	fmtNLBFailed = "Failed to create load balancer %s"
)

// loadBalancerStep creates the internal network load balancer in the plan's subnets.
type loadBalancerStep struct{ acct *awsops.Account }

func (loadBalancerStep) ID() string           { return IDLoadBalancer }
func (loadBalancerStep) Title() string        { return "Network load balancer" }
func (loadBalancerStep) Applies(p *Plan) bool { return newLB(p) }

// Do adopts the load balancer an earlier attempt made, or creates it.
func (s loadBalancerStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	name := lbName(run.ID())
	if lb, found, err := findELB(ctx, s.acct, run.ID(), res.LoadBalancerARN, name, s.acct.GetLoadBalancer, lbARN); err != nil || found {
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
	lb, err := s.acct.CreateLoadBalancer(ctx, name, res.SubnetIDs, tags(run))
	if err != nil {
		return awsops.Failed(err, fmtNLBFailed, name)
	}
	if err := run.Record(func(r *Resources) { r.LoadBalancerARN, r.LoadBalancerDNS = lb.ARN, lb.DNSName }); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtNLBDone, name))
	return nil
}

// Undo deletes the run's load balancer, unless it was reused or another run uses it.
func (s loadBalancerStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	if res.LoadBalancerReused {
		return nil
	}
	lb, found, err := findELB(ctx, s.acct, run.ID(), res.LoadBalancerARN, lbName(run.ID()), s.acct.GetLoadBalancer, lbARN)
	if !found {
		return ignoreNotOurs(err)
	}
	arn := lb.ARN
	if err := keepForLoadBalancerUser(run, "load balancer "+lb.Name); err != nil {
		return err
	}
	rep.Start("Deleting load balancer " + arn + ".")
	if err := s.acct.DeleteLoadBalancer(ctx, arn); err != nil {
		return err
	}
	return run.Record(func(r *Resources) {
		r.LoadBalancerARN, r.LoadBalancerDNS, r.LoadBalancerIPs, r.ListenerARN = "", "", nil, ""
	})
}
