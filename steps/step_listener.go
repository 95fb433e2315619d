package steps

import (
	"context"
	"fmt"

	"github.com/vpclink/vpclink/awsops"
)

// IDListener names the step that creates the load balancer's TCP listener.
const IDListener = "create-listener"

// Messages of the listener step.
const (
	fmtListStart  = "Creating TCP listener on port %d."
	fmtListDone   = "Created TCP listener on port %d."
	fmtListFailed = "Failed to create listener on port %d"
)

// listenerStep creates the TCP listener on the plan's port, forwarding to the target group.
type listenerStep struct{ acct *awsops.Account }

func (listenerStep) ID() string           { return IDListener }
func (listenerStep) Title() string        { return "Listener" }
func (listenerStep) Applies(p *Plan) bool { return newLB(p) }

// Do adopts a listener on the plan's port that forwards to the run's target group, or
// creates it; one that forwards elsewhere is refused.
func (s listenerStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res, port := run.Resources(), run.Plan().LoadBalancer.Port
	listeners, err := s.acct.ListListeners(ctx, res.LoadBalancerARN)
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
	l, err := s.acct.CreateListener(ctx, res.LoadBalancerARN, port, res.TargetGroupARN, tags(run))
	if err != nil {
		return awsops.Failed(err, fmtListFailed, port)
	}
	if err := run.Record(func(r *Resources) { r.ListenerARN = l.ARN }); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtListDone, port))
	return nil
}

// Undo deletes the listener, unless a run that reuses the load balancer needs it.
func (s listenerStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	arn := run.Resources().ListenerARN
	if arn == "" {
		return nil
	}
	if err := keepForLoadBalancerUser(run, fmt.Sprintf("the listener on port %d", run.Plan().LoadBalancer.Port)); err != nil {
		return err
	}
	rep.Start("Deleting listener " + arn + ".")
	if err := s.acct.DeleteListener(ctx, arn); err != nil {
		return err
	}
	return run.Record(func(r *Resources) { r.ListenerARN = "" })
}
