package steps

import (
	"context"
	"fmt"

	"github.com/vpclink/vpclink/awsops"
)

// IDWaitNLB names the step that waits for the load balancer to be active.
const IDWaitNLB = "wait-nlb-active"

// Messages of the wait for the load balancer.
const (
	fmtWaitNLB     = "Waiting for load balancer %s to become active."
	fmtWaitNLBDone = "Load balancer %s is active."
)

// waitNLBStep waits for the load balancer to be active: a VPC link needs it so.
type waitNLBStep struct{ acct *awsops.Account }

func (waitNLBStep) ID() string         { return IDWaitNLB }
func (waitNLBStep) Title() string      { return "Load balancer active" }
func (waitNLBStep) Applies(*Plan) bool { return true }

// Do waits until the load balancer is active.
func (s waitNLBStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	name := awsops.ResourceName(res.LoadBalancerARN)
	rep.Start(fmt.Sprintf(fmtWaitNLB, name))
	if err := s.acct.WaitLoadBalancerActive(ctx, res.LoadBalancerARN, rep.Status); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtWaitNLBDone, name))
	return nil
}

// Undo has nothing to delete.
func (waitNLBStep) Undo(context.Context, *Run, Reporter) error { return nil }
