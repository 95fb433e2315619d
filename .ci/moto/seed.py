"""Fill a moto emulator with what an admin's account has before vpclink runs: a VPC with
two private subnets and two running instances behind one security group."""
import sys

import boto3

ENDPOINT = sys.argv[1]
KW = dict(endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


def tags(kind, name):
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


ec2 = boto3.client("ec2", **KW)
vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16", TagSpecifications=tags("vpc", "shop-vpc"))["Vpc"]["VpcId"]
group = ec2.create_security_group(GroupName="shop-sg", Description="shop", VpcId=vpc)["GroupId"]
for i, az in enumerate(["us-east-1a", "us-east-1b"]):
    letter = "ab"[i]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{i + 1}.0/24", AvailabilityZone=az,
                               TagSpecifications=tags("subnet", f"shop-private-{letter}"))["Subnet"]["SubnetId"]
    ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[group],
                      TagSpecifications=tags("instance", f"shop-{i + 1}"))
print(vpc)
