/// Built-in texts for `tok_train --eval` (tok_eval.py's idea: a few kinds of text, bytes/token on each).
enum TokEvalTexts {
    static let prose = """
    The city council voted on Tuesday to expand the public library's opening hours, citing a sharp rise in \
    visitors since the renovation finished last spring. "People come for the books, but they stay for the quiet," \
    said the head librarian, who has worked there for nineteen years. The new schedule starts next month.
    """

    static let code = """
    def merge_sorted(a: list[int], b: list[int]) -> list[int]:
        \"\"\"Merge two sorted lists into one sorted list.\"\"\"
        out, i, j = [], 0, 0
        while i < len(a) and j < len(b):
            if a[i] <= b[j]:
                out.append(a[i]); i += 1
            else:
                out.append(b[j]); j += 1
        return out + a[i:] + b[j:]

    for (int k = 0; k < n; ++k) { sum += x[k] * y[k]; }
    """

    static let numbers = """
    2024-03-15 14:32:07, 3.14159265, 2.71828, 1,234,567.89, -42, 0.000123, 6.022e23, 299792458, 1/3, 98.6%, \
    $19.99, 404, 8080, 192.168.0.1, +1 (555) 010-7788, 12:00, 1e-9, 65536, 4096x2160
    """

    static let math = """
    The Gaussian integral is $\\int_{-\\infty}^{\\infty} e^{-x^2}\\,dx = \\sqrt{\\pi}$, and for a matrix $A \\in \
    \\mathbb{R}^{n \\times n}$ we have $\\det(A) = \\prod_{i=1}^{n} \\lambda_i$ where $\\lambda_i$ are its eigenvalues.
    """

    static let science = """
    Photosynthesis converts carbon dioxide and water into glucose and oxygen using light energy captured by \
    chlorophyll. The light-dependent reactions occur in the thylakoid membranes, producing ATP and NADPH.
    """

    static let korean = "정보통신기술의 발전으로 우리의 일상생활은 크게 변화하였다. 스마트폰과 인터넷은 이제 필수적인 도구가 되었다."
    static let chinese = "人工智能正在改变我们的生活方式。从语音助手到自动驾驶汽车，这项技术的应用越来越广泛。"
    static let hindi = "भारत एक विशाल देश है जिसकी संस्कृति, भाषाएँ और परंपराएँ बहुत विविध हैं। यहाँ अनेक त्योहार मनाए जाते हैं।"
    static let arabic = "اللغة العربية من أكثر اللغات انتشارا في العالم، ويتحدث بها أكثر من أربعمائة مليون شخص."
    static let russian = "Москва является столицей России и одним из крупнейших городов мира по численности населения."

    static let all: [(String, String)] = [
        ("prose", prose), ("code", code), ("numbers", numbers), ("math", math), ("science", science),
        ("korean", korean), ("chinese", chinese), ("hindi", hindi), ("arabic", arabic), ("russian", russian),
    ]
}
