// OneTimeNotif on Azure: the Functions app on a Flex Consumption plan (.NET 10 isolated), its storage, its managed
// identity, Key Vault for the Meta secrets, and Log Analytics with Application Insights. Deploy to a resource group:
//   az deployment group create -g <group> -f infra/main.bicep -p pageIds='["<PAGE_ID>"]'
// docs/deploy.md walks through it, including the secrets. Written without public-registry modules so that it builds
// and lints offline (scripts/check-infra.sh).

targetScope = 'resourceGroup'

@description('Region for every resource; it must offer the Flex Consumption plan.')
param location string = resourceGroup().location

@description('Lowercase letters and digits that start every resource name.')
@minLength(2)
@maxLength(8)
param namePrefix string = 'otn'

@description('IDs of the Pages served. Each gets a Messenger__Pages__<id>__AccessToken setting that reads its token from Key Vault.')
param pageIds string[] = []

@description('Graph API version of the Send API calls, such as v23.0. Meta retires versions: keep it current.')
param graphApiVersion string = 'v23.0'

@description('When the expired-token purge runs: six-field NCRONTAB, UTC.')
param purgeSchedule string = '0 0 * * * *'

@description('Most instances the app scales out to. Send API pacing is per instance, so this also caps the combined send rate per Page.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS'])
param storageSkuName string = 'Standard_LRS'

@description('Optional: the Meta App Secret, written to Key Vault. Leave empty to manage it in the vault directly.')
@secure()
param appSecret string = ''

@description('Optional: the webhook verify token, written to Key Vault. Leave empty to manage it in the vault directly.')
@secure()
param verifyToken string = ''

@description('Optional: Page access tokens by Page ID, written to Key Vault. Leave empty to manage them in the vault directly.')
@secure()
param pageAccessTokens object = {}

@description('Optional: object ID of a user or group allowed to write the vault\'s secrets (Key Vault Secrets Officer).')
param vaultOfficerPrincipalId string = ''

param tags object = {
  app: 'onetimenotif'
}

var suffix = uniqueString(resourceGroup().id, namePrefix)
var names = {
  identity: '${namePrefix}-id-${suffix}'
  plan: '${namePrefix}-plan-${suffix}'
  functionApp: '${namePrefix}-func-${suffix}'
  storage: take('${namePrefix}st${suffix}', 24)
  keyVault: take('${namePrefix}-kv-${suffix}', 24)
  logAnalytics: '${namePrefix}-log-${suffix}'
  applicationInsights: '${namePrefix}-appi-${suffix}'
  deploymentContainer: 'app-package'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    storageAccountName: names.storage
    deploymentContainerName: names.deploymentContainer
    skuName: storageSkuName
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    location: location
    tags: tags
    keyVaultName: names.keyVault
    appSecret: appSecret
    verifyToken: verifyToken
    pageAccessTokens: pageAccessTokens
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: identity.properties.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    vaultOfficerPrincipalId: vaultOfficerPrincipalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionApp'
  params: {
    location: location
    tags: tags
    planName: names.plan
    functionAppName: names.functionApp
    identityId: identity.id
    identityClientId: identity.properties.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: names.deploymentContainer
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    pageIds: pageIds
    graphApiVersion: graphApiVersion
    purgeSchedule: purgeSchedule
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // The host reads its storage and the Key Vault references as it starts: grant access first.
  dependsOn: [
    roles
  ]
}

@description('Name of the Functions app, for the code deployment (AzureFunctionApp@2 or az functionapp deployment).')
output functionAppName string = functionApp.outputs.name

@description('The callback URL to enter in Meta\'s webhook settings.')
output webhookUrl string = 'https://${functionApp.outputs.defaultHostName}/api/webhook'

@description('Where the Meta secrets live; docs/deploy.md lists the secret names.')
output keyVaultName string = keyVault.outputs.name

output storageAccountName string = storage.outputs.name

@description('Client ID of the identity the app runs as.')
output identityClientId string = identity.properties.clientId
