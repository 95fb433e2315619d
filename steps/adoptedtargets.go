package steps

import (
	"cmp"
	"context"
	"fmt"

	"github.com/vpclink/vpclink/awsops"
)

// registersTargets reports whether the run registers instances: in its own target group, or
// in the one of an adopted load balancer when the plan names instances.
func registersTargets(p *Plan) bool { return newLB(p) || len(p.Targets.Instances) > 0 }

// opensGroups reports whether the run opens the instances' security groups to the load
// balancer: always for its own, and for an adopted one when the plan sets a mode.
func opensGroups(p *Plan) bool {
	return newLB(p) || (p.SecurityGroups.Mode != "" && len(p.Targets.Instances) > 0)
}

// runTargets is where the run's targets go: the target group, their port and the ports the
// load balancer reaches them on (traffic, then health checks), and its health check.
type runTargets struct {
	tgARN string
	port  int32
	ports []int32
	hc    awsops.HealthCheck
}

// targetsOf returns the run's target group and ports. For its own load balancer they are
// the plan's; for an adopted one, the target group its listener on the plan's port forwards
// to, read from AWS and recorded, with the plan's targets.port or else the group's port.
func targetsOf(ctx context.Context, acct *awsops.Account, run *Run) (runTargets, error) {
	res, p := run.Resources(), run.Plan()
	if newLB(p) {
		return runTargets{tgARN: res.TargetGroupARN, port: p.Targets.Port, ports: IngressPorts(p), hc: healthCheck(p)}, nil
	}
	tgARN := res.RegisteredIn
	if tgARN == "" {
		ls, err := acct.ListListeners(ctx, res.LoadBalancerARN)
		if err != nil {
			return runTargets{}, err
		}
		port := ListenerPort(p)
		for _, l := range ls {
			if l.Port == port {
				tgARN = l.TargetGroupARN
			}
		}
		if tgARN == "" {
			return runTargets{}, fmt.Errorf("find the target group of %s: no listener on port %d forwards to one; add a TCP listener with a target group, or set loadBalancer.port", awsops.ResourceName(res.LoadBalancerARN), port)
		}
	}
	tg, err := acct.GetTargetGroup(ctx, tgARN)
	if err != nil {
		return runTargets{}, err
	}
	t := runTargets{tgARN: tg.ARN, port: cmp.Or(p.Targets.Port, res.RegisteredPort, tg.Port), hc: tg.HealthCheck}
	t.ports = []int32{t.port}
	if hp := tg.HealthCheck.Port; hp != 0 && hp != t.port {
		t.ports = append(t.ports, hp)
	}
	if res.RegisteredIn != t.tgARN || res.RegisteredPort != t.port {
		if err := run.Record(func(r *Resources) { r.RegisteredIn, r.RegisteredPort = t.tgARN, t.port }); err != nil {
			return runTargets{}, err
		}
	}
	return t, nil
}
