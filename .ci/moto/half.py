"""Build in a moto emulator what a person following the console guide leaves half-made:
an internal NLB with a target group, a TCP listener and the shop instances registered, the
security group opened to the VPC, a VPC link, and a REST API whose /{proxy+} ANY goes
through ${stageVariables.VPCLink}, deployed to stage prod without the variables. Nothing is
tagged vpclink:run. Prints the NLB's name."""
import sys

import boto3

ENDPOINT = sys.argv[1]
KW = dict(endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
ec2 = boto3.client("ec2", **KW)
elb = boto3.client("elbv2", **KW)
gw = boto3.client("apigateway", **KW)

vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["shop-vpc"]}])["Vpcs"][0]
subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
subnets = [s["SubnetId"] for s in subnets if any(t["Value"].startswith("shop-private-") for t in s.get("Tags", []))]
reservations = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["shop-1", "shop-2"]},
                                               {"Name": "instance-state-name", "Values": ["running"]}])["Reservations"]
instances = [i for r in reservations for i in r["Instances"]]
group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["shop-sg"]}])["SecurityGroups"][0]["GroupId"]
try:
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                                         "IpRanges": [{"CidrIp": vpc["CidrBlock"], "Description": "from the VPC"}]}])
except ec2.exceptions.ClientError as e:
    if "Duplicate" not in str(e):
        raise

lb = elb.create_load_balancer(Name="legacy-shop-nlb", Subnets=subnets, Scheme="internal", Type="network")["LoadBalancers"][0]
tg = elb.create_target_group(Name="legacy-shop-tg", Protocol="TCP", Port=80, VpcId=vpc["VpcId"], TargetType="instance",
                             HealthCheckProtocol="HTTP", HealthCheckPath="/health")["TargetGroups"][0]
elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=80,
                    DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": i["InstanceId"], "Port": 80} for i in instances])
gw.create_vpc_link(name="legacy-shop-link", targetArns=[lb["LoadBalancerArn"]])

api = gw.create_rest_api(name="legacy-shop", endpointConfiguration={"types": ["REGIONAL"]})
root = [r for r in gw.get_resources(restApiId=api["id"])["items"] if r["path"] == "/"][0]
proxy = gw.create_resource(restApiId=api["id"], parentId=root["id"], pathPart="{proxy+}")
gw.put_method(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY", authorizationType="NONE",
              requestParameters={"method.request.path.proxy": True})
gw.put_integration(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY", type="HTTP_PROXY",
                   integrationHttpMethod="ANY", connectionType="VPC_LINK", connectionId="${stageVariables.VPCLink}",
                   uri="http://${stageVariables.VPCNLB}/{proxy}",
                   requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
gw.create_deployment(restApiId=api["id"], stageName="prod")
print(lb["LoadBalancerName"])
