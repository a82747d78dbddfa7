# Run by virttools after importing VirtTools. The embedded engine ships only the cmdlets of
# System.Management.Automation; Microsoft.PowerShell.Commands.Utility (Write-Host, Write-Output,
# Write-Warning, ...) is not available to it. Runbooks lean on the Write-* family, so these
# functions stand in for the commands that are missing, and only for those.

$missing = { param($name) -not (Get-Command -Name $name -CommandType Cmdlet -ErrorAction Ignore) }

if (& $missing 'Write-Output') {
    function global:Write-Output {
        [CmdletBinding()]
        param(
            [Parameter(Position = 0, ValueFromPipeline, ValueFromRemainingArguments)] [AllowNull()] [AllowEmptyCollection()] [object[]] $InputObject,
            [switch] $NoEnumerate)
        process { foreach ($o in $InputObject) { $PSCmdlet.WriteObject($o, -not $NoEnumerate) } }
    }
}

if (& $missing 'Write-Host') {
    function global:Write-Host {
        [CmdletBinding()]
        param(
            [Parameter(Position = 0, ValueFromPipeline, ValueFromRemainingArguments)] [object[]] $Object,
            [switch] $NoNewline,
            [object] $Separator = ' ',
            [ConsoleColor] $ForegroundColor,
            [ConsoleColor] $BackgroundColor)
        process {
            $text = ($Object | ForEach-Object { if ($_ -is [System.Collections.IEnumerable] -and $_ -isnot [string]) { $_ -join $Separator } else { "$_" } }) -join $Separator
            if ($NoNewline) { $Host.UI.Write($text) } else { $Host.UI.WriteLine($text) }
        }
    }
}

# Write-Warning, Write-Verbose and Write-Debug differ only in the stream they write to.
foreach ($stream in 'Warning', 'Verbose', 'Debug') {
    if (& $missing "Write-$stream") {
        . ([scriptblock]::Create(@"
function global:Write-$stream {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0, ValueFromPipeline)] [AllowEmptyString()] [string] `$Message)
    process { `$PSCmdlet.Write$stream(`$Message) }
}
"@))
    }
}

if (& $missing 'Write-Error') {
    function global:Write-Error {
        [CmdletBinding()]
        param(
            [Parameter(Mandatory, Position = 0, ValueFromPipeline)] [string] $Message,
            [string] $ErrorId = 'Microsoft.PowerShell.Commands.WriteErrorException',
            [System.Management.Automation.ErrorCategory] $Category = 'NotSpecified',
            [object] $TargetObject,
            [string] $RecommendedAction)
        process {
            $record = [System.Management.Automation.ErrorRecord]::new([System.Exception]::new($Message), $ErrorId, $Category, $TargetObject)
            if ($RecommendedAction) {
                $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($Message)
                $record.ErrorDetails.RecommendedAction = $RecommendedAction
            }
            $PSCmdlet.WriteError($record)
        }
    }
}
