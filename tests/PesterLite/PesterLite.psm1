# PesterLite: the subset of Pester 5 that VirtTools' acceptance tests use, for hosts where real
# Pester cannot be installed. Test files must stay runnable unchanged by real Pester 5, so every
# behaviour here follows Pester 5's documented semantics (discovery, then run; scopes; Should).
#
# Scoping model. Test code lives in the caller's session state (the "file" session state); this
# module's own variables must stay invisible to it. Two helper script blocks are re-bound to the
# file session state (as Pester does), so that:
#   & $script:Scoped $callback $arg   opens a fresh child scope in the file session state and runs
#                                     module code while that scope is current;
#   . $script:DotInto $sb $data $has  runs a test script block dot-sourced into the file session
#                                     state's current scope, first defining the data variables.
# Blocks nest their scopes the way Pester's do: file > Describe > Context > one scope per It that
# BeforeEach, It and AfterEach share.

Set-StrictMode -Off

$script:Phase = 'None'          # None | Discovery | Run
$script:CurrentBlock = $null
$script:Scoped = $null
$script:DotInto = $null

$script:RunFileText = 'param($__PesterLite_Path) & $__PesterLite_Path'
$script:ScopedText = 'param($__PesterLite_Next, $__PesterLite_Arg) & $__PesterLite_Next $__PesterLite_Arg'
$script:DotIntoText = @'
param($__PesterLite_Body, $__PesterLite_Data, $__PesterLite_HasData)
if ($__PesterLite_HasData) {
    if ($__PesterLite_Data -is [System.Collections.IDictionary]) {
        foreach ($__PesterLite_Key in @($__PesterLite_Data.Keys)) {
            $ExecutionContext.SessionState.PSVariable.Set([string]$__PesterLite_Key, $__PesterLite_Data[$__PesterLite_Key])
        }
    }
    $_ = $__PesterLite_Data
}
if ($null -ne $__PesterLite_Body) { . $__PesterLite_Body }
'@

function New-BoundScriptBlock([string] $Text, [System.Management.Automation.SessionState] $State) {
    $flags = [System.Reflection.BindingFlags]'NonPublic,Instance'
    $internal = [System.Management.Automation.SessionState].GetProperty('Internal', $flags).GetValue($State)
    $sb = [scriptblock]::Create($Text)
    [scriptblock].GetProperty('SessionStateInternal', $flags).SetValue($sb, $internal)
    $sb
}

function New-Block([string] $Name, [string] $Kind, $Parent, $Data, [bool] $HasData, [bool] $Skip) {
    $path = [System.Collections.Generic.List[string]]::new()
    if ($null -ne $Parent) { $path.AddRange([string[]]$Parent.Path) }
    if ($Kind -ne 'Root') { $path.Add($Name) }
    [pscustomobject]@{
        Kind        = $Kind
        Name        = $Name
        Path        = $path.ToArray()
        Parent      = $Parent
        Data        = $Data
        HasData     = $HasData
        Skip        = $Skip -or ($null -ne $Parent -and $Parent.Skip)
        BeforeAll   = [System.Collections.Generic.List[scriptblock]]::new()
        AfterAll    = [System.Collections.Generic.List[scriptblock]]::new()
        BeforeEach  = [System.Collections.Generic.List[scriptblock]]::new()
        AfterEach   = [System.Collections.Generic.List[scriptblock]]::new()
        Children    = [System.Collections.Generic.List[object]]::new()
        Failures    = [System.Collections.Generic.List[object]]::new()
    }
}

function Get-NearestData($Node) {
    for ($n = $Node; $null -ne $n; $n = $n.Parent) {
        if ($n.HasData) { return , @($true, $n.Data) }
    }
    , @($false, $null)
}

# <Key>, <_>, <_.Prop>, <Key.Prop> as Pester 5 expands them: like variables seen from the test, so a
# key comes from the nearest data that has it (the test's own, then its blocks'); an unknown name is ''.
function Expand-Name([string] $Name, $Data, [bool] $HasData, $Parent) {
    if (-not $HasData) { return $Name }
    [regex]::Replace($Name, '<([^<>\s]+)>', {
            param($m)
            $parts = $m.Groups[1].Value.Split('.')
            if ($parts[0] -eq '_') { $value = $Data }
            else {
                $value = $null
                $sources = @($Data) + @(for ($n = $Parent; $null -ne $n; $n = $n.Parent) { if ($n.HasData) { , $n.Data } })
                foreach ($source in $sources) {
                    if ($source -is [System.Collections.IDictionary] -and $source.Contains($parts[0])) { $value = $source[$parts[0]]; break }
                }
            }
            for ($i = 1; $i -lt $parts.Count -and $null -ne $value; $i++) {
                $p = $parts[$i]
                if ($value -is [System.Collections.IDictionary]) { $value = $value[$p] } else { $value = $value.$p }
            }
            [System.Management.Automation.LanguagePrimitives]::ConvertTo($value, [string])
        })
}

function Assert-Discovery([string] $Command) {
    if ($script:Phase -ne 'Discovery') {
        throw [System.InvalidOperationException]::new("$Command must be called while Pester discovers tests: inside a Describe or Context body or at the top of a test file, not inside It, BeforeAll or another setup block.")
    }
}

# One item per block or test to create: the -ForEach items, or a single $null without -ForEach.
# Pester 5 makes nothing from a -ForEach of $null or an empty collection.
function Get-DataItems([bool] $HasForEach, $ForEach) {
    $items = [System.Collections.Generic.List[object]]::new()
    if (-not $HasForEach) { $items.Add($null) }
    elseif ($null -ne $ForEach) { foreach ($i in $ForEach) { $items.Add($i) } }
    , $items
}

function Add-Block([string] $Kind, [string] $Name, [scriptblock] $Fixture, [bool] $Skip, [bool] $HasForEach, $ForEach) {
    Assert-Discovery $Kind
    if ($null -eq $Fixture) { throw [System.ArgumentException]::new("$Kind '$Name' has no script block.") }
    $items = Get-DataItems $HasForEach $ForEach
    foreach ($item in $items) {
        $parent = $script:CurrentBlock
        $inherited = Get-NearestData $parent
        $hasData = $HasForEach -or $inherited[0]
        $data = if ($HasForEach) { $item } else { $inherited[1] }
        $block = New-Block -Name (Expand-Name $Name $data $hasData $parent) -Kind $Kind -Parent $parent -Data $item -HasData $HasForEach -Skip $Skip
        $parent.Children.Add($block)
        $script:CurrentBlock = $block
        try { & $script:DotInto $Fixture $data $hasData | Out-Null }
        finally { $script:CurrentBlock = $parent }
    }
}

function Describe {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Position = 1)] [scriptblock] $Fixture,
        [string[]] $Tag,
        [switch] $Skip,
        [object[]] $ForEach
    )
    Add-Block 'Describe' $Name $Fixture $Skip.IsPresent $PSBoundParameters.ContainsKey('ForEach') $ForEach
}

function Context {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Position = 1)] [scriptblock] $Fixture,
        [string[]] $Tag,
        [switch] $Skip,
        [object[]] $ForEach
    )
    Add-Block 'Context' $Name $Fixture $Skip.IsPresent $PSBoundParameters.ContainsKey('ForEach') $ForEach
}

function It {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Position = 1)] [scriptblock] $Test,
        [Alias('TestCases')] [object[]] $ForEach,
        [string[]] $Tag,
        [switch] $Skip
    )
    Assert-Discovery 'It'
    $block = $script:CurrentBlock
    $hasForEach = $PSBoundParameters.ContainsKey('ForEach')
    $items = Get-DataItems $hasForEach $ForEach
    foreach ($item in $items) {
        $inherited = Get-NearestData $block
        $hasData = $hasForEach -or $inherited[0]
        $data = if ($hasForEach) { $item } else { $inherited[1] }
        $expanded = Expand-Name $Name $data $hasData $block
        $block.Children.Add([pscustomobject]@{
                Kind        = 'It'
                Name        = $expanded
                Path        = [string[]]([string[]]$block.Path + [string[]]@($expanded))
                Parent      = $block
                Body        = $Test
                Data        = $item
                HasData     = $hasForEach
                # Pester 5 turns an It without a body into a skipped test.
                Skip        = $Skip.IsPresent -or $block.Skip -or $null -eq $Test
                Result      = 'NotRun'
                Message     = $null
                ErrorRecord = $null
                Duration    = [timespan]::Zero
            })
    }
}

function Add-Setup([string] $Kind, [scriptblock] $ScriptBlock) {
    Assert-Discovery $Kind
    if ($null -eq $ScriptBlock) { throw [System.ArgumentException]::new("$Kind needs a script block.") }
    $script:CurrentBlock.$Kind.Add($ScriptBlock)
}

function BeforeAll { param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock) Add-Setup 'BeforeAll' $Scriptblock }
function AfterAll { param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock) Add-Setup 'AfterAll' $Scriptblock }
function BeforeEach { param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock) Add-Setup 'BeforeEach' $Scriptblock }
function AfterEach { param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock) Add-Setup 'AfterEach' $Scriptblock }

function BeforeDiscovery {
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
    Assert-Discovery 'BeforeDiscovery'
    # Dot-sourced into the caller's scope so that what it defines drives the rest of discovery.
    . $Scriptblock
}

# ---------------------------------------------------------------- Should

function Format-Nicely($Value, [int] $Depth = 0) {
    if ($null -eq $Value) { return '$null' }
    if ($Value -is [System.Management.Automation.PSObject]) { $base = $Value.PSObject.BaseObject } else { $base = $Value }
    if ($base -is [string]) { return "'$base'" }
    if ($base -is [bool]) { return '$' + $base.ToString().ToLowerInvariant() }
    if ($base -is [type]) { return '[' + $base.FullName + ']' }
    if ($base -is [scriptblock]) { return '{' + $base.ToString() + '}' }
    if ($base -is [char]) { return "'$base'" }
    if ($base -is [double] -or $base -is [single] -or $base -is [decimal]) { return $base.ToString([cultureinfo]::InvariantCulture) }
    if ($Depth -gt 3) { return [string]$base }
    if ($base -is [System.Collections.IDictionary]) {
        $pairs = foreach ($k in $base.Keys) { "$k=$(Format-Nicely $base[$k] ($Depth + 1))" }
        return '@{' + ($pairs -join '; ') + '}'
    }
    if ($base -is [System.Collections.IEnumerable]) {
        $items = foreach ($i in $base) { Format-Nicely $i ($Depth + 1) }
        return '@(' + (@($items) -join ', ') + ')'
    }
    if ($base -is [System.Management.Automation.PSCustomObject]) {
        $pairs = foreach ($p in $Value.PSObject.Properties) { "$($p.Name)=$(Format-Nicely $p.Value ($Depth + 1))" }
        return 'PSObject{' + (@($pairs) -join '; ') + '}'
    }
    [string]$base
}

function Format-Because([string] $Because) {
    if ([string]::IsNullOrWhiteSpace($Because)) { return '' }
    ' because ' + ($Because.Trim() -replace '^because\s', '') + ','
}

function Test-NullOrEmptyArray([object[]] $Array) {
    $null -eq $Array -or $Array.Count -eq 0 -or ($Array.Count -eq 1 -and $null -eq $Array[0])
}

# Pester 5's ArraysAreEqual: $null, @() and @($null) are equal; otherwise same count and equal
# items in order, nested arrays recursively, each pair compared with the expected value on the left.
function Test-ArraysEqual([object[]] $Actual, [object[]] $Expected, [bool] $CaseSensitive, [int] $Depth = 0) {
    if ($Depth -gt 100) { throw 'Reached the recursion depth limit of 100 when comparing arrays. Is one of them cyclic?' }
    $actualEmpty = Test-NullOrEmptyArray @($Actual)
    $expectedEmpty = Test-NullOrEmptyArray @($Expected)
    if ($actualEmpty -or $expectedEmpty) { return $actualEmpty -and $expectedEmpty }
    if ($Actual.Count -ne $Expected.Count) { return $false }
    for ($i = 0; $i -lt $Actual.Count; $i++) {
        $a = $Actual[$i]; $e = $Expected[$i]
        if ($a -is [array] -or $e -is [array]) {
            if (-not (Test-ArraysEqual $a $e $CaseSensitive ($Depth + 1))) { return $false }
        }
        elseif ($CaseSensitive) { if (-not ($e -ceq $a)) { return $false } }
        elseif (-not ($e -eq $a)) { return $false }
    }
    $true
}

function Get-StringDifference([string] $Expected, [string] $Actual, [bool] $CaseSensitive, [string] $Because) {
    $max = [Math]::Max($Expected.Length, $Actual.Length)
    $index = $max
    for ($i = 0; $i -lt $max; $i++) {
        $e = if ($i -lt $Expected.Length) { [string]$Expected[$i] } else { $null }
        $a = if ($i -lt $Actual.Length) { [string]$Actual[$i] } else { $null }
        $differ = if ($CaseSensitive) { $e -cne $a } else { $e -ne $a }
        if ($differ) { $index = $i; break }
    }
    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.Add("Expected strings to be the same,$(Format-Because $Because) but they were different.")
    if ($Expected.Length -ne $Actual.Length) {
        $lines.Add("Expected length: $($Expected.Length)")
        $lines.Add("Actual length:   $($Actual.Length)")
    }
    else { $lines.Add("String lengths are both $($Expected.Length).") }
    $lines.Add("Strings differ at index $index.")
    $lines.Add("Expected: '$(Protect-Control $Expected)'")
    $lines.Add("But was:  '$(Protect-Control $Actual)'")
    $lines.Add((' ' * 11) + ('-' * $index) + '^')
    $lines -join "`n"
}

function Protect-Control([string] $Text) {
    $Text.Replace("`r", '\r').Replace("`n", '\n').Replace("`t", '\t')
}

function Get-BeFailure($Actual, $Expected, [bool] $Negate, [bool] $Exactly, [string] $Because) {
    $word = if ($Exactly) { 'exactly ' } else { '' }
    if ($Negate) {
        $same = if ($Exactly) { 'exactly the same value' } else { 'the same value' }
        return "Expected $(Format-Nicely $Expected) to be different from the actual value,$(Format-Because $Because) but got $same."
    }
    # Unrolls one-element arrays so that a single piped string compares as a string.
    $a = $($Actual); $e = $($Expected)
    if ($a -is [string] -and $e -is [string]) { return Get-StringDifference $e $a $Exactly $Because }
    "Expected $word$(Format-Nicely $e),$(Format-Because $Because) but got $(Format-Nicely $a)."
}

function Resolve-ExpectedType($Type) {
    if ($Type -is [type]) { return $Type }
    if ($Type -is [string]) {
        $parsed = ($Type -replace '^\[(.*)\]$', '$1') -as [type]
        if ($null -ne $parsed) { return $parsed }
    }
    throw [System.ArgumentException]::new("Could not find type [$Type]. Make sure that the assembly that contains that type is loaded.")
}

function Invoke-Operator([string] $Operator, $Actual, [bool] $Negate, [hashtable] $Arguments) {
    $because = $Arguments.Because
    $expected = $Arguments.ExpectedValue
    switch ($Operator) {
        'Be' {
            $ok = (Test-ArraysEqual $Actual $expected $false) -xor $Negate
            if (-not $ok) { return Get-BeFailure $Actual $expected $Negate $false $because }
        }
        'BeExactly' {
            $ok = (Test-ArraysEqual $Actual $expected $true) -xor $Negate
            if (-not $ok) { return Get-BeFailure $Actual $expected $Negate $true $because }
        }
        'BeNullOrEmpty' {
            $empty = if ($null -eq $Actual -or $Actual.Count -eq 0) { $true }
            elseif ($Actual.Count -eq 1) {
                $single = $Actual[0]
                if ($single -is [hashtable]) { $single.Count -eq 0 } else { [string]::IsNullOrEmpty($single) }
            }
            else { $false }
            if ($Negate -and $empty) { return "Expected a value,$(Format-Because $because) but got `$null or empty." }
            if (-not $Negate -and -not $empty) { return "Expected `$null or empty,$(Format-Because $because) but got $(Format-Nicely $Actual)." }
        }
        'BeTrue' {
            $truthy = [bool]$Actual
            if ($Negate -and $truthy) { return "Expected `$false,$(Format-Because $because) but got $(Format-Nicely $Actual)." }
            if (-not $Negate -and -not $truthy) { return "Expected `$true,$(Format-Because $because) but got $(Format-Nicely $Actual)." }
        }
        'BeFalse' {
            $truthy = [bool]$Actual
            if ($Negate -and -not $truthy) { return "Expected `$true,$(Format-Because $because) but got $(Format-Nicely $Actual)." }
            if (-not $Negate -and $truthy) { return "Expected `$false,$(Format-Because $because) but got $(Format-Nicely $Actual)." }
        }
        'HaveCount' {
            $want = [int]$expected
            if ($want -lt 0) { throw [System.ArgumentException]::new('Expected collection size must be greater than or equal to 0.') }
            $count = if ($null -eq $Actual) { 0 } else { $Actual.Count }
            if (($count -eq $want) -eq $Negate) {
                if ($Negate) {
                    $expect = if ($want -eq 0) { 'Expected a non-empty collection' } else { "Expected a collection with size different from $want" }
                    $but = if ($count -ne 0) { "but got collection with that size $(Format-Nicely $Actual)." } else { 'but got an empty collection.' }
                }
                else {
                    $expect = if ($want -eq 0) { 'Expected an empty collection' } else { "Expected a collection with size $want" }
                    $but = if ($count -ne 0) { "but got collection with size $count $(Format-Nicely $Actual)." } else { 'but got an empty collection.' }
                }
                return "$expect,$(Format-Because $because) $but"
            }
        }
        'Contain' {
            $found = @($Actual) -contains $expected
            if ($Negate -and $found) { return "Expected $(Format-Nicely $expected) to not be found in collection $(Format-Nicely $Actual),$(Format-Because $because) but it was found." }
            if (-not $Negate -and -not $found) { return "Expected $(Format-Nicely $expected) to be found in collection $(Format-Nicely $Actual),$(Format-Because $because) but it was not found." }
        }
        'Match' {
            $pattern = if ($Arguments.ContainsKey('RegularExpression')) { $Arguments.RegularExpression } else { $expected }
            $matched = $Actual -match $pattern
            if ($Negate -and $matched) { return "Expected regular expression $(Format-Nicely $pattern) to not match $(Format-Nicely $Actual),$(Format-Because $because) but it did match." }
            if (-not $Negate -and -not $matched) { return "Expected regular expression $(Format-Nicely $pattern) to match $(Format-Nicely $Actual),$(Format-Because $because) but it did not match." }
        }
        'BeOfType' {
            $type = Resolve-ExpectedType $(if ($Arguments.ContainsKey('ExpectedType')) { $Arguments.ExpectedType } else { $expected })
            $is = $Actual -is $type
            $actualType = if ($null -ne $Actual) { $Actual.GetType() } else { $null }
            if ($Negate -and $is) { return "Expected the value to not have type $(Format-Nicely $type) or any of its subtypes,$(Format-Because $because) but got $(Format-Nicely $Actual) with type $(Format-Nicely $actualType)." }
            if (-not $Negate -and -not $is) { return "Expected the value to have type $(Format-Nicely $type) or any of its subtypes,$(Format-Because $because) but got $(Format-Nicely $Actual) with type $(Format-Nicely $actualType)." }
        }
        'Throw' { return Invoke-ThrowOperator $Actual $Negate $Arguments }
    }
    $null
}

function Invoke-ThrowOperator($Actual, [bool] $Negate, [hashtable] $Arguments) {
    if ($null -eq $Actual -or $Actual -isnot [scriptblock]) {
        throw [System.ArgumentException]::new("Input is missing or not a ScriptBlock. Input to '-Throw' and '-Not -Throw' must be enclosed in curly braces.")
    }
    $because = $Arguments.Because
    $thrown = $false; $record = $null
    try { $null = & $Actual }
    catch { $thrown = $true; $record = $_ }
    if ($Negate) {
        # Any exception fails -Not -Throw; the filters do not apply.
        if ($thrown) { return "Expected no exception to be thrown,$(Format-Because $because) but an exception `"$($record.Exception.Message)`" was thrown." }
        return $null
    }
    $filters = [System.Collections.Generic.List[string]]::new()
    $buts = [System.Collections.Generic.List[string]]::new()
    $type = $Arguments.ExceptionType
    if ($null -ne $type) {
        $filters.Add("type $(Format-Nicely $type)")
        if ($thrown -and $record.Exception -isnot $type) { $buts.Add("the exception type was $(Format-Nicely $record.Exception.GetType())") }
    }
    $message = $Arguments.ExpectedMessage
    if (-not [string]::IsNullOrWhiteSpace($message)) {
        $filters.Add("message like $(Format-Nicely ([System.Management.Automation.WildcardPattern]::Unescape($message)))")
        if ($thrown -and -not ($record.Exception.Message -like $message)) { $buts.Add("the message was $(Format-Nicely $record.Exception.Message)") }
    }
    $errorId = $Arguments.ErrorId
    if (-not [string]::IsNullOrWhiteSpace($errorId)) {
        $filters.Add("FullyQualifiedErrorId $(Format-Nicely $errorId)")
        if ($thrown -and -not ($record.FullyQualifiedErrorId -like $errorId)) { $buts.Add("the FullyQualifiedErrorId was $(Format-Nicely $record.FullyQualifiedErrorId)") }
    }
    if (-not $thrown) { $buts.Add('no exception was thrown') }
    if ($buts.Count -gt 0) {
        $with = if ($filters.Count -gt 0) { ' with ' + ($filters -join ' and ') } else { '' }
        return "Expected an exception$with to be thrown,$(Format-Because $because) but $($buts -join ' and ')."
    }
    if ($Arguments.PassThru) { $script:ThrowPassThru = $record }
    $null
}

function Should {
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline)] [object] $ActualValue,
        [switch] $Not,
        [switch] $Be,
        [switch] $BeExactly,
        [switch] $BeNullOrEmpty,
        [switch] $BeTrue,
        [switch] $BeFalse,
        [switch] $HaveCount,
        [switch] $Contain,
        [switch] $Match,
        [switch] $BeOfType,
        [switch] $Throw,
        [Parameter(Position = 0)] [object] $ExpectedValue,
        [object] $RegularExpression,
        [object] $ExpectedType,
        [string] $ExpectedMessage,
        [string] $ErrorId,
        [type] $ExceptionType,
        [switch] $PassThru,
        [string] $Because
    )
    begin { $inputs = [System.Collections.Generic.List[object]]::new() }
    process { $inputs.Add($ActualValue) }
    end {
        $operators = @('Be', 'BeExactly', 'BeNullOrEmpty', 'BeTrue', 'BeFalse', 'HaveCount', 'Contain', 'Match', 'BeOfType', 'Throw') |
            Where-Object { $PSBoundParameters.ContainsKey($_) }
        if (@($operators).Count -ne 1) {
            throw [System.ArgumentException]::new('Should needs exactly one operator of the supported subset: -Be, -BeExactly, -BeNullOrEmpty, -BeTrue, -BeFalse, -HaveCount, -Contain, -Match, -BeOfType, -Throw.')
        }
        $operator = @($operators)[0]
        $arguments = @{}
        foreach ($k in $PSBoundParameters.Keys) { $arguments[$k] = $PSBoundParameters[$k] }
        if ($operator -eq 'Throw' -and -not $arguments.ContainsKey('ExpectedMessage') -and $arguments.ContainsKey('ExpectedValue')) {
            $arguments.ExpectedMessage = [string]$ExpectedValue
        }
        $negate = $Not.IsPresent
        # Operators that take the whole input see it as one array; the others test each item.
        $arrayOperators = 'Be', 'BeExactly', 'BeNullOrEmpty', 'HaveCount', 'Contain'
        $values = [System.Collections.Generic.List[object]]::new()
        if ($inputs.Count -eq 0) { $values.Add($null) }
        elseif ($operator -in $arrayOperators) { $values.Add($inputs.ToArray()) }
        else { $values.AddRange($inputs) }
        $script:ThrowPassThru = $null
        foreach ($value in $values) {
            $failure = Invoke-Operator $operator $value $negate $arguments
            if ($null -ne $failure) {
                $where = if ($MyInvocation.ScriptName) { "`nat $($MyInvocation.Line.Trim()), $($MyInvocation.ScriptName):$($MyInvocation.ScriptLineNumber)" } else { '' }
                $exception = [System.Exception]::new($failure)
                $record = [System.Management.Automation.ErrorRecord]::new($exception, 'PesterAssertionFailed', [System.Management.Automation.ErrorCategory]::InvalidResult, $value)
                $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($failure + $where)
                $PSCmdlet.ThrowTerminatingError($record)
            }
        }
        if ($operator -eq 'Throw' -and $PassThru -and -not $negate) { $script:ThrowPassThru }
    }
}

# ---------------------------------------------------------------- TestDrive

function New-TestDrive {
    $root = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'PesterLite', [guid]::NewGuid().ToString('N'))
    $null = [System.IO.Directory]::CreateDirectory($root)
    $provider = $ExecutionContext.SessionState.Provider.GetOne('FileSystem')
    $drive = [System.Management.Automation.PSDriveInfo]::new('TestDrive', $provider, $root, 'Pester test drive', $null)
    $null = $ExecutionContext.SessionState.Drive.New($drive, 'Global')
    $global:TestDrive = $root
    $root
}

function Remove-TestDrive([string] $Root) {
    $here = $ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath
    if ($here.StartsWith($Root, [System.StringComparison]::Ordinal)) {
        $null = $ExecutionContext.SessionState.Path.SetLocation([System.IO.Path]::GetTempPath())
    }
    if ($null -ne $ExecutionContext.SessionState.Drive.GetAtScope('TestDrive', 'Global')) {
        $ExecutionContext.SessionState.Drive.Remove('TestDrive', $true, 'Global')
    }
    $ExecutionContext.SessionState.PSVariable.Remove('global:TestDrive')
    if ([System.IO.Directory]::Exists($Root)) { [System.IO.Directory]::Delete($Root, $true) }
}

function Get-TestDriveItems([string] $Root) {
    $set = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::Ordinal)
    # Walks without following symbolic links: synthetic sysfs trees are full of link cycles.
    $pending = [System.Collections.Generic.Stack[string]]::new()
    if ([System.IO.Directory]::Exists($Root)) { $pending.Push($Root) }
    while ($pending.Count -gt 0) {
        foreach ($p in [System.IO.Directory]::EnumerateFileSystemEntries($pending.Pop())) {
            $null = $set.Add($p)
            $info = [System.IO.DirectoryInfo]::new($p)
            if ($info.Exists -and $null -eq $info.LinkTarget) { $pending.Push($p) }
        }
    }
    , $set
}

# Pester removes what a block created in TestDrive when the block ends; older items stay.
function Clear-TestDriveTo([string] $Root, $Before) {
    # Shortest paths first: deleting a new folder takes what is inside it along.
    $now = Get-TestDriveItems $Root
    $paths = [string[]]@($now)
    $lengths = [int[]]@($paths | ForEach-Object Length)
    [array]::Sort($lengths, $paths)
    foreach ($p in $paths) {
        if ($Before.Contains($p)) { continue }
        $info = [System.IO.FileInfo]::new($p)
        if ($null -ne $info.LinkTarget -or [System.IO.File]::Exists($p)) { [System.IO.File]::Delete($p) }
        elseif ([System.IO.Directory]::Exists($p)) { [System.IO.Directory]::Delete($p, $true) }
    }
}

# ---------------------------------------------------------------- Run

function New-Failure([string] $Where, $ErrorRecord) {
    [pscustomobject]@{ Where = $Where; Message = (Get-ErrorText $ErrorRecord); ErrorRecord = $ErrorRecord }
}

function Get-ErrorText($ErrorRecord) {
    if ($null -eq $ErrorRecord) { return '' }
    if ($ErrorRecord -is [System.Management.Automation.ErrorRecord]) {
        $text = if ($ErrorRecord.FullyQualifiedErrorId -like 'PesterAssertionFailed*' -and $ErrorRecord.ErrorDetails) { $ErrorRecord.ErrorDetails.Message }
        else { "$($ErrorRecord.Exception.GetType().FullName): $($ErrorRecord.Exception.Message)`n$($ErrorRecord.InvocationInfo.PositionMessage)" }
        return $text.TrimEnd()
    }
    [string]$ErrorRecord
}

function Get-Tests($Block) {
    foreach ($c in $Block.Children) {
        if ($c.Kind -eq 'It') { $c } else { Get-Tests $c }
    }
}

function Invoke-Dot([scriptblock] $Body, $Node) {
    $data = Get-NearestData $Node
    $null = . $script:DotInto $Body $data[1] $data[0]
}

function Invoke-BlockRun($Block) {
    $tests = @(Get-Tests $Block)
    if (@($tests | Where-Object { -not $_.Skip }).Count -eq 0) {
        # Pester runs no setup for a block with nothing to run.
        foreach ($t in $tests) { $t.Result = 'Skipped' }
        return
    }
    $null = & $script:Scoped {
        param($Block)
        if ($Block.HasData) { Invoke-Dot $null $Block }
        $before = if ($script:TestDriveRoot) { Get-TestDriveItems $script:TestDriveRoot } else { $null }
        $setupFailure = $null
        try {
            foreach ($sb in $Block.BeforeAll) { Invoke-Dot $sb $Block }
        }
        catch {
            $setupFailure = New-Failure 'BeforeAll' $_
            $Block.Failures.Add($setupFailure)
        }
        try {
            foreach ($child in $Block.Children) {
                if ($null -ne $setupFailure) {
                    $label = if ($Block.Kind -eq 'Root') { 'the file' } else { "$($Block.Kind) '$($Block.Name)'" }
                    foreach ($t in @(if ($child.Kind -eq 'It') { $child } else { Get-Tests $child })) {
                        $t.Result = if ($t.Skip) { 'Skipped' } else { 'Failed' }
                        if (-not $t.Skip) { $t.Message = "BeforeAll of $label failed: $($setupFailure.Message)"; $t.ErrorRecord = $setupFailure.ErrorRecord }
                    }
                }
                elseif ($child.Kind -eq 'It') { Invoke-TestRun $child }
                else { Invoke-BlockRun $child }
            }
        }
        finally {
            foreach ($sb in $Block.AfterAll) {
                try { Invoke-Dot $sb $Block }
                catch { $Block.Failures.Add((New-Failure 'AfterAll' $_)) }
            }
            if ($null -ne $before) { Clear-TestDriveTo $script:TestDriveRoot $before }
        }
    } $Block
}

function Get-Ancestors($Node) {
    $list = [System.Collections.Generic.List[object]]::new()
    for ($n = $Node.Parent; $null -ne $n; $n = $n.Parent) { $list.Insert(0, $n) }
    , $list
}

function Invoke-TestRun($Test) {
    if ($Test.Skip) { $Test.Result = 'Skipped'; return }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $null = & $script:Scoped {
        param($Test)
        $chain = Get-Ancestors $Test
        $failure = $null
        try {
            foreach ($b in $chain) { foreach ($sb in $b.BeforeEach) { Invoke-Dot $sb $Test } }
            Invoke-Dot $Test.Body $Test
        }
        catch { $failure = $_ }
        finally {
            # AfterEach: innermost block first, and always.
            for ($i = $chain.Count - 1; $i -ge 0; $i--) {
                foreach ($sb in $chain[$i].AfterEach) {
                    try { Invoke-Dot $sb $Test }
                    catch { if ($null -eq $failure) { $failure = $_ } }
                }
            }
        }
        if ($null -eq $failure) { $Test.Result = 'Passed' }
        else {
            $Test.Result = 'Failed'
            $Test.ErrorRecord = $failure
            $Test.Message = Get-ErrorText $failure
        }
    } $Test
    $Test.Duration = $watch.Elapsed
}

function Invoke-FileDiscovery([string] $Path, $Root) {
    $script:Phase = 'Discovery'
    $script:CurrentBlock = $Root
    # The file runs as a script in the caller's session state, as if the user had invoked it.
    try { $null = & $script:RunFile $Path }
    finally { $script:Phase = 'None'; $script:CurrentBlock = $null }
}

function Invoke-PesterLite {
    <#
    .SYNOPSIS
    Discovers and runs one Pester 5 test file with the PesterLite subset; returns its result.
    .PARAMETER DiscoveryOnly
    Stop after discovery (lists the tests without running any of them).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [switch] $DiscoveryOnly
    )
    $full = [System.IO.Path]::GetFullPath($Path)
    $script:Scoped = New-BoundScriptBlock $script:ScopedText $PSCmdlet.SessionState
    $script:DotInto = New-BoundScriptBlock $script:DotIntoText $PSCmdlet.SessionState
    $script:RunFile = New-BoundScriptBlock $script:RunFileText $PSCmdlet.SessionState
    $root = New-Block -Name ([System.IO.Path]::GetFileName($full)) -Kind 'Root' -Parent $null -Data $null -HasData $false -Skip $false
    $result = [pscustomobject]@{
        Path            = $full
        Root            = $root
        Tests           = @()
        DiscoveryFailed = $false
        Failures        = [System.Collections.Generic.List[object]]::new()
    }
    try { Invoke-FileDiscovery $full $root }
    catch {
        $result.DiscoveryFailed = $true
        $result.Failures.Add((New-Failure 'Discovery' $_))
    }
    $result.Tests = @(Get-Tests $root)
    if ($DiscoveryOnly -or $result.DiscoveryFailed) { return $result }

    $script:Phase = 'Run'
    $script:TestDriveRoot = New-TestDrive
    try { Invoke-BlockRun $root }
    catch { $result.Failures.Add((New-Failure 'Run' $_)) }
    finally {
        $script:Phase = 'None'
        try { Remove-TestDrive $script:TestDriveRoot } catch { $result.Failures.Add((New-Failure 'TestDrive' $_)) }
        $script:TestDriveRoot = $null
    }
    foreach ($b in @(Get-Blocks $root)) {
        foreach ($f in $b.Failures) {
            $label = if ($b.Kind -eq 'Root') { '' } else { ($b.Path -join ' > ') + ': ' }
            $result.Failures.Add([pscustomobject]@{ Where = "$label$($f.Where)"; Message = $f.Message; ErrorRecord = $f.ErrorRecord })
        }
    }
    $result
}

function Get-Blocks($Block) {
    $Block
    foreach ($c in $Block.Children) { if ($c.Kind -ne 'It') { Get-Blocks $c } }
}

Export-ModuleMember -Function Describe, Context, It, BeforeAll, AfterAll, BeforeEach, AfterEach, BeforeDiscovery, Should, Invoke-PesterLite
