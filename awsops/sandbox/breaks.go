package sandbox

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// This file holds what a person does by hand to break a working chain, so that trainings
// and tests can show what vpclink check finds.

// StopInstances stops running instances, as EC2 does: the answer says stopping, and the
// instances are stopped when they are next described. An unknown id fails the whole call.
func (e *ec2API) StopInstances(_ context.Context, in *ec2.StopInstancesInput, _ ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error) {
	out := &ec2.StopInstancesOutput{}
	err := e.s.do(svcEC2, "StopInstances", true, func(st *state, _ time.Time) error {
		for _, id := range in.InstanceIds {
			if st.instance(id) == nil {
				return apiErr("InvalidInstanceID.NotFound", fmt.Sprintf("The instance ID '%s' does not exist", id))
			}
		}
		for _, id := range in.InstanceIds {
			i := st.instance(id)
			out.StoppingInstances = append(out.StoppingInstances, ec2types.InstanceStateChange{
				InstanceId:    aws.String(id),
				PreviousState: &ec2types.InstanceState{Name: ec2types.InstanceStateName(i.State)},
				CurrentState:  &ec2types.InstanceState{Name: ec2types.InstanceStateNameStopping},
			})
			i.State = "stopped"
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
