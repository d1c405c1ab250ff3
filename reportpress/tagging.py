"""Finishing the tagged (digital) PDF: an opener's big quote repeats words of its story, so a
screen reader should not read it. WeasyPrint tags every text; we turn the quote on each
opener page into an artifact: its marked content becomes /Artifact and its structure element
leaves the tree. The quote stays on the page for the eye.
"""
import pikepdf


def quotes_to_artifacts(path, pages):
    """Make the BlockQuote on each of `pages` (1-based) an artifact; rewrites `path`."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        parent_tree = _number_tree(pdf.Root.StructTreeRoot.ParentTree)
        for number in pages:
            page = pdf.pages[number - 1]
            parents = parent_tree.get(int(page.obj.get("/StructParents", -1)))
            if parents is None:
                continue
            quotes = {}  # MCID -> the BlockQuote it belongs to
            for mcid, element in enumerate(parents):
                quote = _blockquote_of(element)
                if quote is not None:
                    quotes[mcid] = quote
                    parents[mcid] = None
            if quotes:
                _mark_as_artifacts(pdf, page, set(quotes))
                for quote in {q.objgen: q for q in quotes.values()}.values():
                    _detach(quote)
        pdf.save(path, deterministic_id=True)


def _number_tree(node):
    """{key: value} of a PDF number tree (flat /Nums or with /Kids)."""
    result = {}
    nums = node.get("/Nums", [])
    for i in range(0, len(nums), 2):
        result[int(nums[i])] = nums[i + 1]
    for kid in node.get("/Kids", []):
        result.update(_number_tree(kid))
    return result


def _blockquote_of(element):
    while isinstance(element, pikepdf.Dictionary) and element.get("/Type") != "/StructTreeRoot":
        if element.get("/S") == "/BlockQuote":
            return element
        element = element.get("/P")
    return None


def _mark_as_artifacts(pdf, page, mcids):
    instructions = []
    for operands, operator in pikepdf.parse_content_stream(page):
        if (str(operator) == "BDC" and len(operands) == 2
                and isinstance(operands[1], pikepdf.Dictionary)
                and int(operands[1].get("/MCID", -1)) in mcids):
            operands, operator = [pikepdf.Name.Artifact], pikepdf.Operator("BMC")
        instructions.append((operands, operator))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def _detach(element):
    parent = element.P
    kids = parent.K
    if isinstance(kids, pikepdf.Array):
        for i in reversed(range(len(kids))):
            if kids[i].objgen == element.objgen:
                del kids[i]
    elif kids.objgen == element.objgen:
        parent.K = pikepdf.Array()
