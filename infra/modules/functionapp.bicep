// The Flex Consumption plan and the .NET 10 isolated Functions app. Every connection is identity-based (the
// user-assigned identity) and every Meta secret is a Key Vault reference: no key, token or secret is an app setting.

import { appSecretName, verifyTokenName, pageTokenName } from 'secret-names.bicep'

param location string
param tags object
param planName string
param functionAppName string

@description('Resource ID of the user-assigned identity the app runs as.')
param identityId string

@description('Client ID of the same identity, for identity-based connections.')
param identityClientId string

param storageAccountName string
param deploymentContainerName string
param keyVaultName string
param applicationInsightsName string

param pageIds string[]
param graphApiVersion string
param metaAppId string
param purgeSchedule string
param maximumInstanceCount int
param instanceMemoryMB int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

var endpoints = storage.properties.primaryEndpoints

func keyVaultReference(vaultName string, secretName string) string =>
  '@Microsoft.KeyVault(VaultName=${vaultName};SecretName=${secretName})'

var settings = {
  // The Functions host's own storage (leases, keys, timer schedule).
  AzureWebJobsStorage__blobServiceUri: endpoints.blob
  AzureWebJobsStorage__queueServiceUri: endpoints.queue
  AzureWebJobsStorage__tableServiceUri: endpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // The app's data and the otn-followups queue trigger: the same names the library and the trigger read.
  OtnStorage__tableServiceUri: endpoints.table
  OtnStorage__queueServiceUri: endpoints.queue
  OtnStorage__credential: 'managedidentity'
  OtnStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  Messenger__AppSecret: keyVaultReference(keyVaultName, appSecretName)
  Messenger__VerifyToken: keyVaultReference(keyVaultName, verifyTokenName)
  Messenger__GraphApiVersion: graphApiVersion
  Messenger__AppId: metaAppId
  PurgeSchedule: purgeSchedule
}

var pageSettings = toObject(
  pageIds,
  pageId => 'Messenger__Pages__${pageId}__AccessToken',
  pageId => keyVaultReference(keyVaultName, pageTokenName(pageId))
)

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${endpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(settings, pageSettings)
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
