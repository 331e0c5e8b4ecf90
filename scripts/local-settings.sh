# Sourced by run.sh and the sample scripts: settings for a local run, each overridable from the environment.
# These values only open a local emulator and a local host; real deployments set their own.
: "${OTN_URL:=http://127.0.0.1:7071}"
: "${Messenger__AppSecret:=local-app-secret}"
: "${Messenger__VerifyToken:=local-verify-token}"
: "${Messenger__GraphApiVersion:=v23.0}"
azurite_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
: "${OtnStorage:=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${azurite_key};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;}"
export OTN_URL Messenger__AppSecret Messenger__VerifyToken Messenger__GraphApiVersion OtnStorage
